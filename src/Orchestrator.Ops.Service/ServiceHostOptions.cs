using Microsoft.AspNetCore.Builder;

namespace Orchestrator.Ops.Service;

/// <summary>Seams for hosting the service: the clock, the port, the logger, and a hook for tests (an in-memory server).</summary>
public sealed record ServiceHostOptions
{
    /// <summary>The clock for the monitor loop, failed-auth windows and the engine. The system clock when null.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Overrides service.apiPort (0 = any free port).</summary>
    public int? ApiPort { get; init; }

    /// <summary>Overrides service.gatewayPort (0 = any free port).</summary>
    public int? GatewayPort { get; init; }

    /// <summary>How long the gateway gathers traffic records before writing a batch (250 ms when null).</summary>
    public TimeSpan? TrafficFlushInterval { get; init; }

    /// <summary>A logger to use instead of the files under the ops root (not disposed by the service).</summary>
    public Serilog.ILogger? Logger { get; init; }

    /// <summary>Whether the monitor loop runs (tests of the API alone turn it off).</summary>
    public bool RunMonitor { get; init; } = true;

    /// <summary>Whether the deployment watcher runs: crash recovery, handed-off analyses, automatic rollback.</summary>
    public bool RunDeploymentWatcher { get; init; } = true;

    /// <summary>Whether the secret watcher runs: it removes previous secret values whose grace period has ended.</summary>
    public bool RunSecretWatcher { get; init; } = true;

    /// <summary>How often the secret watcher looks for expired previous values (default 30 s).</summary>
    public TimeSpan? SecretWatchInterval { get; init; }

    /// <summary>Called last on the builder, before the app is built.</summary>
    public Action<WebApplicationBuilder>? ConfigureBuilder { get; init; }
}
