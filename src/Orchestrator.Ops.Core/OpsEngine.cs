using System.Net;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.Secrets;
using Orchestrator.Ops.Core.Secrets.Targets;
using Orchestrator.Ops.Core.State;
using Serilog;
using Serilog.Core;

namespace Orchestrator.Ops.Core;

/// <summary>
/// The engine opened on one configuration: its store, its log, its HTTP client and the capability services.
/// Cmdlets open one per call; the service keeps one for its lifetime.
/// </summary>
/// <remarks>
/// The one way into each capability: every property below is one service per engine, made on first use, sharing the
/// engine's configuration, store, clock, log and HTTP client. Three capabilities must also work where no store can be
/// opened (a locked or corrupt store is what an operator investigates with them), so they have a second, documented
/// door that needs no engine: <c>LogService</c>'s constructors, <c>BackupService.RunLoggedAsync</c> (for changes, with
/// the ops log) and <c>BackupService.ForReading</c> (for reads, writing nothing), and <c>ResourceService</c>'s
/// constructor. <c>SandboxTokens</c> opens an engine of its own on the sandbox it has just started.
/// </remarks>
public sealed class OpsEngine : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly Logger? _ownedLogger;

    private OpsEngine(OpsConfig config, IStateStore store, HttpClient http, ILogger log, Logger? ownedLogger, TimeProvider time,
        WrapperCredentials credentials, Func<bool, VaultHandle> openVault, Action<string> warn)
    {
        Credentials = credentials;
        OpenVault = openVault;
        Config = config;
        Store = store;
        _http = http;
        Log = log;
        _ownedLogger = ownedLogger;
        Time = time;
        Health = new HealthService(config, store, new WrapperProber(http, config.HealthChecks, time), time, log,
            new WrapperProber(http, config.HealthChecks with { Retries = 0 }, time));
        Alerts = new AlertService(config.Alerts, store, time, new WebhookNotifier(http, config.Alerts.Webhooks, time, log), log);
        _deployment = new Lazy<Orchestrator.Ops.Core.Deployment.DeploymentService>(() => new Orchestrator.Ops.Core.Deployment.DeploymentService(
            config, store, Health, Alerts, Orchestrator.Ops.Core.Deployment.TrafficRouterFactory.Create(config, store, http, time), http, time, log));
        _deploymentRun = new Lazy<Orchestrator.Ops.Core.Deployment.DeploymentRun>(() => new Orchestrator.Ops.Core.Deployment.DeploymentRun(this));
        // CPU use is a share of real elapsed time, whatever clock the engine runs on (tests run it on a fake one).
        _resources = new Lazy<Host.ResourceService>(() => new Host.ResourceService(config, TimeProvider.System));
        _backups = new Lazy<Backups.BackupService>(() => new Backups.BackupService(config, time, log));
        _runbooks = new Lazy<Runbooks.RunbookService>(() => new Runbooks.RunbookService(this));
        Logs = new Orchestrator.Ops.Core.Logs.LogService(config, time);
        Secrets = new SecretService(config, store, Health, openVault,
            d => SecretTargetFactory.Create(d, config.Secrets.Strict, warn, config.OpsRoot), time, log);
    }

    /// <summary>Reading and aggregating the ops logs (needs no store: also constructible on its own).</summary>
    public Orchestrator.Ops.Core.Logs.LogService Logs { get; }

    /// <summary>Secret rotation, the vault's metadata and values.</summary>
    public SecretService Secrets { get; }

    /// <summary>The wrappers' bearer tokens, as the engine's HTTP pipeline adds them.</summary>
    public WrapperCredentials Credentials { get; }

    /// <summary>Opens the configured vault (true: a new key file may be made for a new vault).</summary>
    public Func<bool, VaultHandle> OpenVault { get; }

    private readonly Lazy<Orchestrator.Ops.Core.Deployment.DeploymentService> _deployment;
    private readonly Lazy<Orchestrator.Ops.Core.Deployment.DeploymentRun> _deploymentRun;
    private readonly Lazy<Host.ResourceService> _resources;
    private readonly Lazy<Backups.BackupService> _backups;
    private readonly Lazy<Runbooks.RunbookService> _runbooks;

    /// <summary>CPU, memory and disk use of the host and of the service process against the runbook's targets.</summary>
    public Host.ResourceService Resources => _resources.Value;

    /// <summary>Backups: create, verify, restore, retention, the disaster-recovery drill.</summary>
    public Backups.BackupService Backups => _backups.Value;

    /// <summary>The runbook's checklists and investigations (Invoke-OpsRunbook), built on the other capabilities.</summary>
    public Runbooks.RunbookService Runbooks => _runbooks.Value;

    /// <summary>Blue-green switches, rollback points and rollbacks (the router is built on first use).</summary>
    public Orchestrator.Ops.Core.Deployment.DeploymentService Deployment => _deployment.Value;

    /// <summary>The runbook's whole deployment (Invoke-Deployment): checklist, backup, deploy hook, switch, validation.</summary>
    public Orchestrator.Ops.Core.Deployment.DeploymentRun DeploymentRun => _deploymentRun.Value;

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
            var warnLog = log.ForCategory("secrets");
            // Always in the ops log; also to the caller's sink (the cmdlets' warning stream) when it gives one.
            var sink = options.Warn;
            Action<string> warn = m =>
            {
                warnLog.Warning("{Warning}", m);
                sink?.Invoke(m);
            };
            var passphrase = options.Passphrase;
            VaultHandle Open(bool create) => VaultAccess.Open(config.Secrets, passphrase, warn, create);
            var credentials = new WrapperCredentials(config, () => Open(false), time, warn);

            // Every request bound for a wrapper that authenticates with a managed secret carries its current token.
            var auth = new WrapperAuthHandler(credentials) { InnerHandler = options.Handler ?? CreateHandler(config) };
            var http = new HttpClient(auth, disposeHandler: options.Handler is null) { Timeout = Timeout.InfiniteTimeSpan };
            return new OpsEngine(config, store, http, log, owned, time, credentials, Open, warn);
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
