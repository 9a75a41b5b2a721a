using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// Where things are, for backups: the path inside a backup of each live file and back (entries under the ops root are
/// opsroot/&lt;relative path&gt;, anything else files/&lt;absolute path&gt;), and which live files a backup holds.
/// </summary>
internal sealed class BackupPaths(OpsConfig config)
{
    /// <summary>The store's entry in a backup.</summary>
    public string StoreEntry => EntryFor(config.Store.Path);

    /// <summary>The path inside a backup for a live file.</summary>
    public string EntryFor(string path)
    {
        var full = Path.GetFullPath(path);
        var rel = Path.GetRelativePath(config.OpsRoot, full);
        if (!rel.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(rel))
        {
            return BackupService.OpsRootPrefix + rel.Replace(Path.DirectorySeparatorChar, '/');
        }

        return BackupService.FilesPrefix + full.TrimStart(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Replace(Path.DirectorySeparatorChar, '/').Replace(":", string.Empty, StringComparison.Ordinal);
    }

    /// <summary>Where an entry goes when restored in place.</summary>
    public string TargetFor(string entry) =>
        entry.StartsWith(BackupService.OpsRootPrefix, StringComparison.Ordinal)
            ? Path.Combine(config.OpsRoot, entry[BackupService.OpsRootPrefix.Length..].Replace('/', Path.DirectorySeparatorChar))
            : entry.StartsWith(BackupService.FilesPrefix, StringComparison.Ordinal)
                ? Path.DirectorySeparatorChar + entry[BackupService.FilesPrefix.Length..].Replace('/', Path.DirectorySeparatorChar)
                : throw new BackupException(BackupFailure.Unsafe, "?", entry, $"The entry '{entry}' is neither under {BackupService.OpsRootPrefix} nor {BackupService.FilesPrefix}; it cannot be restored in place.");

    /// <summary>The live files a backup holds now (the store is snapshotted separately).</summary>
    public List<string> LiveFiles(IEnumerable<string> extraPaths)
    {
        var files = new List<string> { config.SourcePath };

        // The vault is encrypted; its key file is never backed up beside it (keep the key elsewhere).
        if (File.Exists(config.Secrets.VaultPath))
        {
            files.Add(config.Secrets.VaultPath);
        }

        var points = Path.Combine(config.OpsRoot, "rollback-points");
        if (Directory.Exists(points))
        {
            files.AddRange(Directory.EnumerateFiles(points, "*", SearchOption.AllDirectories));
        }

        foreach (var p in config.Backups.Paths.Concat(extraPaths))
        {
            if (Directory.Exists(p))
            {
                files.AddRange(Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Where(f => !IsUnder(f, config.Backups.Root)));
            }
            else if (File.Exists(p))
            {
                files.Add(p);
            }
            else
            {
                throw new BackupException(BackupFailure.SourceMissing, "-", p, $"'{p}' does not exist; fix backups.paths or -Path. No backup was made.");
            }
        }

        var storeFiles = new[] { config.Store.Path, config.Store.Path + "-wal", config.Store.Path + "-shm", config.Store.Path + "-journal", Path.GetFullPath(config.Secrets.KeyFile) };
        return files.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).Where(f => !storeFiles.Contains(f, StringComparer.Ordinal)).ToList();
    }

    private static bool IsUnder(string path, string folder)
    {
        var rel = Path.GetRelativePath(folder, path);
        return !rel.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(rel);
    }
}
