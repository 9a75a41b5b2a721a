namespace Orchestrator.Ops.Core.Host;

/// <summary>CPU and memory use in percent; null when unknown (the first CPU sample, or no /proc).</summary>
public sealed record HostSample(double? CpuPercent, double? MemoryPercent)
{
    /// <summary>Memory in use (total less available), bytes.</summary>
    public long? MemoryUsedBytes { get; init; }

    /// <summary>The machine's memory, bytes.</summary>
    public long? MemoryTotalBytes { get; init; }
}
