namespace Orchestrator.Ops.Core.Configuration;

/// <summary>How wrappers are probed. Defaults are the runbook's: every 30 s, 10 s timeout, 3 retries.</summary>
public sealed record HealthCheckSettings
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    public int Retries { get; init; } = 3;
    /// <summary>Base delay of the jittered exponential backoff between attempts.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>How many endpoints are probed at once.</summary>
    public int MaxParallelism { get; init; } = 256;
    /// <summary>The sliding window health is computed over.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(1);
    /// <summary>Below this many samples in the window a wrapper's status is Unknown.</summary>
    public int MinimumSamples { get; init; } = 3;
}
