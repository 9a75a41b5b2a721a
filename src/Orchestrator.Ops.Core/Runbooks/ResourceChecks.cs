namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>The items built on resource usage: disk space, CPU and memory.</summary>
internal static class ResourceChecks
{
    private const string NotBuilt = "Resource usage (Get-OpsResourceUsage) is not part of this version, so CPU, memory and disk were not measured.";

    public static Task<RunbookOutcome> DiskSpaceAsync(RunbookContext ctx, CancellationToken ct) => throw new RunbookSkipException(NotBuilt);

    public static Task<RunbookOutcome> ResourceUseAsync(RunbookContext ctx, CancellationToken ct) => throw new RunbookSkipException(NotBuilt);
}
