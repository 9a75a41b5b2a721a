namespace Orchestrator.Ops.Core.Backups;

/// <summary>One file to put in a backup.</summary>
/// <param name="SourcePath">The file on disk.</param>
/// <param name="EntryPath">Its name inside the archive: relative, '/'-separated, no '.' or '..' segments (e.g. <c>state/ops.db</c>).</param>
public sealed record BackupSource(string SourcePath, string EntryPath);
