namespace Orchestrator.Ops.Core.Host;

/// <summary>One process's CPU time (clock ticks, user + system) and resident memory (bytes); null when the process is gone or unreadable.</summary>
public sealed record ProcessSample(ulong? CpuTicks, long? ResidentBytes);
