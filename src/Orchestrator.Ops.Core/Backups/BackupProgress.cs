namespace Orchestrator.Ops.Core.Backups;

/// <summary>Progress of a backup, a check or an extraction, in uncompressed bytes and files.</summary>
/// <param name="Current">The entry being processed, when there is one.</param>
public sealed record BackupProgress(long Bytes, long TotalBytes, int Files, int TotalFiles, string? Current);
