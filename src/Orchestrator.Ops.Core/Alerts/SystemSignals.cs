namespace Orchestrator.Ops.Core.Alerts;

/// <summary>
/// What the system rules look at: the machine's CPU and memory, the disk holding the ops root, and whether the
/// configuration drifted. Null is no data. The numbers come from <see cref="Host.ResourceService"/>, the same that
/// Get-OpsResourceUsage shows.
/// </summary>
public sealed record SystemSignals(double? CpuPercent, double? MemoryPercent, bool? ConfigurationDrifted, double? DiskPercent = null)
{
    /// <summary>The wrapper name system alerts carry; not a valid wrapper name, so it never collides with one.</summary>
    public const string Subject = "(system)";

    public static SystemSignals None { get; } = new(null, null, null);
}
