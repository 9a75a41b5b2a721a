using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>What the backup root holds: the complete backups (their manifests are the registry), the unreadable ones, and whether a backup still checks out.</summary>
internal sealed class BackupCatalog(string root)
{
    /// <summary>Complete backups, newest first, and the ids whose manifest could not be read; stops between manifests when cancelled.</summary>
    public (IReadOnlyList<Backup> Backups, IReadOnlyList<BackupListing> Unreadable) List(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(root))
        {
            return ([], []);
        }

        var listings = BackupArchive.List(root, cancellationToken);
        var good = listings.Where(l => l.Manifest is not null).Select(l => Backup.From(l.Manifest!, BackupArchive.ArchivePath(root, l.Manifest!), verified: null)).ToList();
        return (good, listings.Where(l => l.Manifest is null).ToList());
    }

    /// <summary>One backup by id.</summary>
    /// <exception cref="BackupException">NotFound, or Damaged when its manifest cannot be trusted.</exception>
    public Backup Get(string id)
    {
        var m = BackupArchive.ReadManifest(root, id);
        return Backup.From(m, BackupArchive.ArchivePath(root, m), verified: null);
    }

    /// <summary>Checks one backup: its structure, or every byte with <paramref name="readData"/>.</summary>
    public Task<BackupVerification> VerifyAsync(string id, bool readData, IOpsReporter reporter, CancellationToken cancellationToken) =>
        BackupArchive.VerifyAsync(root, id, readData, new ArchiveProgress(reporter, $"Test-Backup {id}", readData ? "Reading every byte" : "Checking structure"), cancellationToken);
}
