using Serilog;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// What Remove-Backup does in the engine: the plan (by id, or by a retention policy through <see cref="BackupRetention"/>)
/// listed off the caller's thread and cancellable, and the removal itself under the root's lock.
/// </summary>
internal sealed class BackupRemoval(string root, BackupCatalog catalog, ILogger log)
{
    /// <summary>Every listed id that is a complete backup, once each, marked "removed by id"; the others as not found.</summary>
    public BackupRemovalPlan PlanById(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var known = catalog.List(cancellationToken).Backups.ToDictionary(b => b.Id);
        return new BackupRemovalPlan(
            ids.Where(known.ContainsKey).Distinct().Select(i => new RetentionDecision(i, known[i].CreatedAt, false, "removed by id")).ToList(),
            ids.Where(i => !known.ContainsKey(i)).ToList());
    }

    /// <summary>The policy's decision for every complete backup.</summary>
    public BackupRemovalPlan PlanByPolicy(RetentionPolicy policy, CancellationToken cancellationToken) =>
        new(BackupRetention.Plan(catalog.List(cancellationToken).Backups, policy), []);

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
