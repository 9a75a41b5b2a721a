using Orchestrator.Ops.Core.IO;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// Serializes writers of one vault across processes and threads: the file lock &lt;vault&gt;.lock
/// (<see cref="FileLocks"/>), with the vault's own errors.
/// </summary>
internal static class VaultLock
{
    public static IResourceLock Acquire(string vaultPath, TimeSpan wait, string operation)
    {
        var path = vaultPath + ".lock";
        try
        {
            return FileLocks.Default.Acquire(path, operation, wait);
        }
        catch (ResourceLockedException e)
        {
            throw new VaultException(VaultFailure.Locked, vaultPath, $"Another writer holds the lock on the vault '{vaultPath}': {e.Holder}. Try again when it has finished; nothing was changed.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VaultException(VaultFailure.Io, vaultPath, $"The vault's lock file '{path}' cannot be opened: {e.Message}", e);
        }
    }
}
