namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// The small file chores backups share: deleting what a killed operation left under the root, best-effort deletes of
/// files and folders, and whether a live file still equals a backup entry.
/// </summary>
internal static class BackupFiles
{
    /// <summary>Removes what a killed operation left (store snapshots, staging folders); only called under the lock.</summary>
    public static void CleanLeftovers(string root)
    {
        // Under the lock nothing else writes here, so these are a killed operation's: store snapshots and the
        // archive's own temporary files (never listed, but they take space).
        foreach (var f in Directory.EnumerateFiles(root, ".*.store-snapshot").Concat(Directory.EnumerateFiles(root, ".*.tmp")))
        {
            TryDelete(f);
        }

        foreach (var d in Directory.EnumerateDirectories(root, ".staging-*"))
        {
            DeleteFolder(d);
        }
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    public static void DeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Whether the file at <paramref name="path"/> has the entry's size and SHA-256 (false when it cannot be read).</summary>
    public static bool SameContent(string path, BackupEntry e)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Length != e.Size)
            {
                return false;
            }

            using var s = File.OpenRead(path);
            return Sha256Hex.AreEqual(Sha256Hex.Of(s), e.Sha256);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
