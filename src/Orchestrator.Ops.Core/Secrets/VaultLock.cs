using Orchestrator.Ops.Core.IO;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// Serializes writers of one vault across processes and threads: the file lock &lt;vault&gt;.lock
/// (<see cref="FileLocks"/>), with the vault's own errors.
/// </summary>
internal static class VaultLock
{
    /// <summary>The lock on the vault file itself.</summary>
    public static IResourceLock Acquire(string vaultPath, TimeSpan wait, string operation) =>
        Acquire(vaultPath, vaultPath + ".lock", $"the vault '{vaultPath}'", wait, operation);

    /// <summary>The lock a rotation holds while it writes (or reverts) the secret targets: &lt;vault&gt;.targets.lock.</summary>
    public static IResourceLock AcquireTargets(string vaultPath, TimeSpan wait, string operation) =>
        Acquire(vaultPath, vaultPath + ".targets.lock", $"the secret targets of the vault '{vaultPath}'", wait, operation);

    private static IResourceLock Acquire(string vaultPath, string path, string what, TimeSpan wait, string operation)
    {
        try
        {
            return FileLocks.Default.Acquire(path, operation, wait);
        }
        catch (ResourceLockedException e)
        {
            throw new VaultException(VaultFailure.Locked, vaultPath, $"Another writer holds the lock on {what}: {e.Holder}. Try again when it has finished; nothing was changed.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VaultException(VaultFailure.Io, vaultPath, $"The vault's lock file '{path}' cannot be opened: {e.Message}", e);
        }
    }
}
