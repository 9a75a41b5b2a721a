namespace Orchestrator.Ops.Core.Host;

/// <summary>CPU and memory use in percent; null when unknown (the first CPU sample, or no /proc).</summary>
public sealed record HostSample(double? CpuPercent, double? MemoryPercent)
{
    /// <summary>Memory in use (total less available), bytes.</summary>
    public long? MemoryUsedBytes { get; init; }

    /// <summary>The machine's memory, bytes.</summary>
    public long? MemoryTotalBytes { get; init; }

    /// <summary>All CPUs' busy and total time since boot in clock ticks, as read for this sample (the unit of a process's CPU time).</summary>
    public (ulong Busy, ulong Total)? CpuTicks { get; init; }
}
