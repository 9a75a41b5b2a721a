namespace Orchestrator.Ops.Core.Backups;

/// <summary>A backup operation failed; the message names the backup, the file and what was (not) kept.</summary>
/// <param name="file">The file concerned: a source path, an entry path inside the archive, or the archive's or manifest's path.</param>
public sealed class BackupException(BackupFailure failure, string backupId, string? file, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public BackupFailure Failure { get; } = failure;

    public string BackupId { get; } = backupId;

    public string? File { get; } = file;
}
