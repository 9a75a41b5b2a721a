namespace Orchestrator.Ops.Core.Host;

/// <summary>
/// One resource of the host or of the service process against the runbook's target.
/// </summary>
/// <param name="Scope">"Host" (the machine) or "Service" (the monitoring service's process).</param>
/// <param name="Resource">"Cpu", "Memory" or "Disk".</param>
/// <param name="Percent">Use in percent: CPU of all cores together; memory of the machine's memory; disk of the file system holding the ops root. Null when unknown.</param>
/// <param name="Target">The limit, percent: the threshold of the alert rule on the same metric (CpuHigh 70, MemoryHigh 80, DiskHigh 80 by default).</param>
/// <param name="Status">Ok, OverTarget or Unknown.</param>
/// <param name="Used">Bytes in use (memory, disk); null for CPU.</param>
/// <param name="Total">Bytes in all (memory, disk); null for CPU.</param>
/// <param name="Detail">What was measured, for a person: the path, the process, the sampling interval.</param>
public sealed record ResourceUsage(string Scope, string Resource, double? Percent, double Target, ResourceStatus Status, long? Used, long? Total, string? Detail)
{
    public const string HostScope = "Host";
    public const string ServiceScope = "Service";
    public const string Cpu = "Cpu";
    public const string Memory = "Memory";
    public const string Disk = "Disk";
}
