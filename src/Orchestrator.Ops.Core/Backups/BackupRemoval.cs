using Serilog;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>What Remove-Backup does in the engine: the removal itself, under the root's lock.</summary>
internal sealed class BackupRemoval(string root, ILogger log)
{
    /// <summary>Deletes backups (manifest first, so a half-deleted one is never listed), under the lock.</summary>
    public IReadOnlyList<string> Remove(IReadOnlyList<string> ids)
    {
        using var held = BackupLock.Acquire(root, "Remove-Backup");
        var removed = new List<string>();
        foreach (var id in ids)
        {
            BackupArchive.ReadManifest(root, id);
            BackupArchive.Delete(root, id);
            removed.Add(id);
            log.Information("Backup {Id} removed by {Who}", id, Actor.Current);
        }

        return removed;
    }
}
