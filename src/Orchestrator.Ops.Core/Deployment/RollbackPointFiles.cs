using System.Security.Cryptography;
using System.Text.Json;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// The file side of rollback points: copies (owner-only, since configured files may hold secrets) with their
/// SHA-256 under <c>&lt;opsRoot&gt;/rollback-points/&lt;folder&gt;/</c>, verification, and atomic restore.
/// </summary>
public static class RollbackPointFiles
{
    public static string Root(string opsRoot) => Path.Combine(opsRoot, "rollback-points");

    /// <summary>Copies each file into a new folder and returns the records. A missing file is an error naming it.</summary>
    public static IReadOnlyList<RollbackFile> Capture(string opsRoot, string folderName, IEnumerable<string> files)
    {
        var folder = Path.Combine(Root(opsRoot), folderName);
        OwnerOnly.CreateFolder(Root(opsRoot));
        OwnerOnly.CreateFolder(folder);
        var result = new List<RollbackFile>();
        var i = 0;
        foreach (var path in files.Distinct(StringComparer.Ordinal))
        {
            if (!File.Exists(path))
            {
                throw new DeploymentException(DeploymentFailure.InvalidRequest,
                    $"The configured rollback file '{path}' does not exist; create it or remove it from deployment.rollbackFiles.") { Target = path };
            }

            var copy = Path.Combine(folder, $"{i++:D3}-{Path.GetFileName(path)}");
            var bytes = File.ReadAllBytes(path);
            OwnerOnly.WriteNew(copy, bytes);
            result.Add(new RollbackFile(path, Hash(bytes), bytes.Length, copy));
        }

        return result;
    }

    /// <summary>Writes the point's manifest beside its copies, so the folder explains itself.</summary>
    public static void WriteManifest(RollbackPoint point)
    {
        var json = JsonSerializer.Serialize(point, new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.WriteAllText(Path.Combine(point.Folder, "point.json"), json, OwnerOnly.FileMode);
    }

    /// <summary>The stored copies that are missing or no longer match their recorded hash (empty when the point is intact).</summary>
    public static IReadOnlyList<string> FindTampered(RollbackPoint point) =>
        point.Files
            .Where(f => !File.Exists(f.StoredCopy) || !string.Equals(Hash(File.ReadAllBytes(f.StoredCopy)), f.Sha256, StringComparison.Ordinal))
            .Select(f => f.Path)
            .ToList();

    /// <summary>Whether the live file already has the point's content.</summary>
    public static bool IsCurrent(RollbackFile file) =>
        File.Exists(file.Path) && string.Equals(Hash(File.ReadAllBytes(file.Path)), file.Sha256, StringComparison.Ordinal);

    /// <summary>The live files that differ from the point (missing ones included).</summary>
    public static IReadOnlyList<RollbackFile> Drifted(RollbackPoint point) => point.Files.Where(f => !IsCurrent(f)).ToList();

    /// <summary>
    /// Restores one file atomically (a reader sees the old content or the new), keeping the live file's mode,
    /// and checks the result's hash. Idempotent: a file already equal is left alone.
    /// </summary>
    public static RestoredFile Restore(RollbackFile file)
    {
        if (IsCurrent(file))
        {
            return new RestoredFile(file.Path, RestoredFileAction.Unchanged, file.Sha256);
        }

        var bytes = File.ReadAllBytes(file.StoredCopy);
        if (!string.Equals(Hash(bytes), file.Sha256, StringComparison.Ordinal))
        {
            throw new DeploymentException(DeploymentFailure.RollbackPointTampered,
                $"The stored copy of '{file.Path}' no longer matches its recorded SHA-256; it was not restored.") { Target = file.Path };
        }

        UnixFileMode? mode = null;
        if (!OperatingSystem.IsWindows())
        {
            mode = File.Exists(file.Path) ? File.GetUnixFileMode(file.Path) : OwnerOnly.FileMode;
        }

        AtomicFile.WriteAllBytes(file.Path, bytes, mode);

        if (!IsCurrent(file))
        {
            throw new DeploymentException(DeploymentFailure.RollbackPointTampered,
                $"'{file.Path}' does not match its recorded SHA-256 after the restore; another process may be writing it.") { Target = file.Path };
        }

        return new RestoredFile(file.Path, RestoredFileAction.Restored, file.Sha256);
    }

    public static string Hash(byte[] bytes) => Sha256Hex.Of(bytes);
}
