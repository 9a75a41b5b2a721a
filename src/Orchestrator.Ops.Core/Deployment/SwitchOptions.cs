namespace Orchestrator.Ops.Core.Deployment;

/// <summary>Options of one switch (the cmdlet's switches; defaults from the config).</summary>
public sealed record SwitchOptions
{
    public TimeSpan? AnalysisDuration { get; init; }
    public bool SkipHealthGate { get; init; }
    public bool NoAutoRollback { get; init; }

    /// <summary>Return after the switch; the service carries the analysis on and records its outcome.</summary>
    public bool NoWait { get; init; }

    /// <summary>What started it, for the lock holder and history (e.g. Switch-DeploymentSlot, Invoke-Deployment).</summary>
    public string Command { get; init; } = "Switch-DeploymentSlot";
}
