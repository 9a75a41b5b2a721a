using Serilog;

namespace Orchestrator.Ops.Core;

/// <summary>Seams for tests and hosts: the clock, the HTTP handler, the logger.</summary>
public sealed record OpsEngineOptions
{
    public TimeProvider? Time { get; init; }

    /// <summary>An HTTP handler to use instead of the default one (not disposed by the engine).</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>A logger to use instead of the files under the ops root (not disposed by the engine).</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Asked for the vault passphrase when neither the environment nor a key file gives a key; null never asks.</summary>
    public Func<string?>? Passphrase { get; init; }

    /// <summary>Receives warnings the engine raises outside any one call (loose file modes, a vault it cannot open); they also go to the ops log.</summary>
    public Action<string>? Warn { get; init; }
}
