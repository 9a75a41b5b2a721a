using Orchestrator.Ops.Core.IO;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>Another backup operation holds the backup root's lock.</summary>
public sealed class BackupLockedException(string root, string holder)
    : Exception($"Another backup operation holds the lock on '{root}': {holder}. Wait for it to finish; nothing was changed."), IOpsError
{
    public string Root { get; } = root;

    public string Holder { get; } = holder;

    public OpsErrorCode Code => OpsErrorCodes.BackupLocked;

    object? IOpsError.ErrorTarget => Root;
}

/// <summary>
/// Serializes New-Backup, Restore-Backup and Remove-Backup on one backup root across processes: the file lock
/// &lt;root&gt;/.lock (<see cref="FileLocks"/>), refused at once while another operation holds it.
/// </summary>
internal static class BackupLock
{
    public static IResourceLock Acquire(string root, string operation)
    {
        OwnerOnly.CreateFolder(root);
        try
        {
            return FileLocks.Default.Acquire(Path.Combine(root, ".lock"), operation, TimeSpan.Zero);
        }
        catch (ResourceLockedException e)
        {
            throw new BackupLockedException(root, e.Holder);
        }
    }
}
