namespace Orchestrator.Ops.Core.Backups;

/// <summary>A backup operation failed; the message names the backup, the file and what was (not) kept.</summary>
/// <param name="file">The file concerned: a source path, an entry path inside the archive, or the archive's or manifest's path.</param>
public sealed class BackupException(BackupFailure failure, string backupId, string? file, string message, Exception? inner = null)
    : Exception(message, inner), IOpsError
{
    public BackupFailure Failure { get; } = failure;

    public string BackupId { get; } = backupId;

    public string? File { get; } = file;

    public OpsErrorCode Code => CodeOf(Failure);

    object? IOpsError.ErrorTarget => File ?? BackupId;

    public static OpsErrorCode CodeOf(BackupFailure failure) => failure switch
    {
        BackupFailure.NotFound => OpsErrorCodes.BackupNotFound,
        BackupFailure.Damaged => OpsErrorCodes.BackupDamaged,
        BackupFailure.Unsafe => OpsErrorCodes.BackupUnsafe,
        BackupFailure.SourceMissing => OpsErrorCodes.BackupSourceMissing,
        BackupFailure.Io => OpsErrorCodes.BackupIo,
        BackupFailure.StoreLocked => OpsErrorCodes.BackupStoreLocked,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}
