namespace Orchestrator.Ops.Core.Backups;

/// <summary>Backup ids, file names in the backup folder, and which archive entry paths are safe.</summary>
internal static class BackupNames
{
    internal const string ManifestSuffix = ".manifest.json";

    /// <summary>Permission bits restored from a manifest; setuid, setgid and sticky never come back from a backup.</summary>
    internal const UnixFileMode PermissionBits = (UnixFileMode)0x1FF;

    /// <summary>Ids become file names: letters, digits, '-' and '_' only, starting with a letter or digit.</summary>
    internal static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 128 && char.IsAsciiLetterOrDigit(id[0]) &&
        id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    internal static void RequireValidId(string id)
    {
        if (!IsValidId(id))
        {
            throw new ArgumentException(
                $"'{id}' is not a valid backup id: use letters, digits, '-' and '_' (e.g. 20261128-011500-3fa9c2).", nameof(id));
        }
    }

    internal static string ManifestPath(string root, string id) => Path.Combine(root, id + ManifestSuffix);

    /// <summary>Hidden (leading dot) and suffixed, so that listing never takes it for a backup.</summary>
    internal static string TempPath(string finalPath) =>
        AtomicFile.TempPathFor(finalPath);

    /// <summary>
    /// Why an archive path is unsafe to extract, or null when it is a plain relative path: '/'-separated, no
    /// empty, '.' or '..' segments, not rooted, no backslashes, drive letters or NUL characters.
    /// </summary>
    internal static string? UnsafePathReason(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "has an empty path";
        }

        if (path[0] == '/' || Path.IsPathRooted(path))
        {
            return "has an absolute path";
        }

        if (path.Contains('\\') || path.Contains(':') || path.Contains('\0'))
        {
            return "has a path with a backslash, colon or NUL character";
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment == "..")
            {
                return "has a '..' segment that would climb out of the destination";
            }

            if (segment is "" or ".")
            {
                return "has an empty or '.' path segment";
            }
        }

        return null;
    }
}
