namespace Orchestrator.Ops.Core.Backups;

/// <summary>One problem a check found.</summary>
/// <param name="Path">The entry's path in the archive, or the archive's or manifest's file name for a problem of the whole file.</param>
/// <param name="Problem">What is wrong, in words.</param>
public sealed record DamagedEntry(string Path, string Problem);
