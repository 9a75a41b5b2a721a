namespace Orchestrator.Ops.Core.Configuration;

/// <summary>Which traffic router a switch changes.</summary>
public enum RouterKind
{
    /// <summary>The service's embedded gateway: it follows the active slot recorded in the store.</summary>
    Gateway,

    /// <summary>An nginx whose upstreams are rendered into an include file, tested and reloaded.</summary>
    Nginx,

    /// <summary>A file naming the active slot, written atomically, for routers Orchestrator.Ops does not know.</summary>
    File,
}

/// <summary>What post-switch analysis does when it saw no traffic to judge.</summary>
public enum InconclusivePolicy
{
    /// <summary>No data counts as a pass: the new slot is kept and marked stable.</summary>
    Pass,

    /// <summary>No data counts as a failure: the switch is rolled back.</summary>
    Fail,

    /// <summary>Keep analysing until traffic arrives, up to the analysis duration again; then keep the slot without marking it stable.</summary>
    Wait,
}

/// <summary>A configured external command: the program and its arguments (never run through a shell), with a timeout.</summary>
public sealed record CommandSettings(IReadOnlyList<string> Command, TimeSpan Timeout)
{
    public string Display => string.Join(' ', Command.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
}

/// <summary>The nginx router: the include file it renders and how nginx is tested, reloaded and reached.</summary>
public sealed record NginxRouterSettings
{
    /// <summary>The upstream include file the router renders (nginx.conf includes it).</summary>
    public required string UpstreamFile { get; init; }

    /// <summary>The nginx.conf passed to <c>nginx -t -c</c> and <c>nginx -s reload -c</c>.</summary>
    public required string ConfigFile { get; init; }

    /// <summary>The nginx executable.</summary>
    public string Executable { get; init; } = "nginx";

    /// <summary>nginx's prefix folder (<c>-p</c>), if not the compiled-in one.</summary>
    public string? Prefix { get; init; }

    /// <summary>The base URL through nginx; the switch is proven by <c>{VerifyBaseUrl}{wrapper}{healthPath}</c> answering with the new slot's version.</summary>
    public required Uri VerifyBaseUrl { get; init; }

    /// <summary>How long nginx may take to test, reload and show the new slot.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Blue-green deployment: the router, the pre-switch gate, post-switch analysis, rollback and the deploy hooks.</summary>
public sealed record DeploymentSettings
{
    public RouterKind Router { get; init; } = RouterKind.Gateway;

    /// <summary>Set when <see cref="Router"/> is nginx.</summary>
    public NginxRouterSettings? Nginx { get; init; }

    /// <summary>The file router's pointer file (absolute once loaded).</summary>
    public required string RouterFile { get; init; }

    /// <summary>The warm-up path requested on every wrapper of the target slot before a switch.</summary>
    public string WarmupPath { get; init; } = "/health";

    /// <summary>Status codes a warm-up accepts.</summary>
    public IReadOnlyList<int> WarmupStatusCodes { get; init; } = [200];

    /// <summary>Warm-up attempts per wrapper before the gate fails.</summary>
    public int WarmupAttempts { get; init; } = 5;

    public TimeSpan WarmupTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the new slot is watched after a switch (the runbook's thresholds decide).</summary>
    public TimeSpan AnalysisDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the analysis measures.</summary>
    public TimeSpan AnalysisInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Failed measurements tolerated; one more fails the analysis.</summary>
    public int FailureLimit { get; init; }

    /// <summary>What an analysis that saw no traffic concludes.</summary>
    public InconclusivePolicy OnInconclusive { get; init; } = InconclusivePolicy.Pass;

    /// <summary>Whether the service rolls back to the last stable point when critical thresholds stay breached after a deployment.</summary>
    public bool AutoRollback { get; init; } = true;

    /// <summary>How long after a deployment the service's automatic rollback watches.</summary>
    public TimeSpan AutoRollbackWindow { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Files snapshotted by every rollback point besides the ops config itself (absolute once loaded).</summary>
    public IReadOnlyList<string> RollbackFiles { get; init; } = [];

    /// <summary>Invoke-Deployment's test step; null reports it Skipped.</summary>
    public CommandSettings? TestCommand { get; init; }

    /// <summary>Invoke-Deployment's deploy hook; <c>{slot}</c> and <c>{version}</c> in its arguments are replaced. Null: the sandbox control API sets the version.</summary>
    public CommandSettings? DeployCommand { get; init; }
}
