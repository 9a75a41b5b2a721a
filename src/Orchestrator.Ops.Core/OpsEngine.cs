using System.Net;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Logging;
using Orchestrator.Ops.Core.State;
using Serilog;
using Serilog.Core;

namespace Orchestrator.Ops.Core;

/// <summary>
/// The engine opened on one configuration: its store, its log, its HTTP client and the capability services.
/// Cmdlets open one per call; the service keeps one for its lifetime.
/// </summary>
public sealed class OpsEngine : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly Logger? _ownedLogger;

    private OpsEngine(OpsConfig config, IStateStore store, HttpClient http, ILogger log, Logger? ownedLogger, TimeProvider time)
    {
        Config = config;
        Store = store;
        _http = http;
        Log = log;
        _ownedLogger = ownedLogger;
        Time = time;
        Health = new HealthService(config, store, new WrapperProber(http, config.HealthChecks, time), time, log);
        Alerts = new AlertService(config.Alerts, store, time, new WebhookNotifier(http, config.Alerts.Webhooks, time, log), log);
        _deployment = new Lazy<Orchestrator.Ops.Core.Deployment.DeploymentService>(() => new Orchestrator.Ops.Core.Deployment.DeploymentService(
            config, store, Health, Alerts, Orchestrator.Ops.Core.Deployment.TrafficRouterFactory.Create(config, store, http, time), http, time, log));
    }

    private readonly Lazy<Orchestrator.Ops.Core.Deployment.DeploymentService> _deployment;

    /// <summary>Backups: create, verify, restore, retention, the disaster-recovery drill.</summary>
    public Backups.BackupService Backups => new(Config, Time, Log);

    /// <summary>Blue-green switches, rollback points and rollbacks (the router is built on first use).</summary>
    public Orchestrator.Ops.Core.Deployment.DeploymentService Deployment => _deployment.Value;

    public OpsConfig Config { get; }

    public IStateStore Store { get; }

    public ILogger Log { get; }

    public TimeProvider Time { get; }

    public HealthService Health { get; }

    public AlertService Alerts { get; }

    /// <summary>Opens the engine: creates the ops root's folders, opens and migrates the store, starts the log.</summary>
    public static async Task<OpsEngine> OpenAsync(OpsConfig config, OpsEngineOptions? options, CancellationToken cancellationToken)
    {
        options ??= new OpsEngineOptions();
        var time = options.Time ?? TimeProvider.System;
        Directory.CreateDirectory(config.OpsRoot);
        var owned = options.Logger is null ? OpsLogging.Create(config.LogsFolder) : null;
        var log = options.Logger ?? owned!;
        try
        {
            var store = await StateStoreFactory.OpenAsync(config.Store, time, cancellationToken).ConfigureAwait(false);
            var http = options.Handler is { } h
                ? new HttpClient(h, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan }
                : new HttpClient(CreateHandler(config), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            return new OpsEngine(config, store, http, log, owned, time);
        }
        catch
        {
            owned?.Dispose();
            throw;
        }
    }

    private static SocketsHttpHandler CreateHandler(OpsConfig config) => new()
    {
        // The pipeline's per-attempt timeout governs; connect must not outlast it.
        ConnectTimeout = config.HealthChecks.Timeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AutomaticDecompression = DecompressionMethods.All,
        UseProxy = false,
        MaxConnectionsPerServer = int.MaxValue,
    };

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Store.DisposeAsync().ConfigureAwait(false);
        if (_ownedLogger is not null)
        {
            await _ownedLogger.DisposeAsync().ConfigureAwait(false);
        }
    }
}
