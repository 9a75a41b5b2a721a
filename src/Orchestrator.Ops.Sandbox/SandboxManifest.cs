using System.Text.Json;

namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// The <c>&lt;root&gt;/sandbox.json</c> file written by the sandbox process when it is ready.
/// </summary>
internal sealed record SandboxManifest(int Pid, string ControlUrl, DateTime StartedAt, string? BenchBaseUrl, IReadOnlyList<SandboxInstance> Instances)
{
    public const string FileName = "sandbox.json";

    /// <summary>Writes the manifest atomically: temp file in the same folder, flushed to disk, then renamed.</summary>
    /// <remarks>
    /// Not the engine's AtomicFile (Core/IO): the sandbox is a program of its own that does not reference the engine, and
    /// this is its only atomic write; the engine's launcher reads the file only once it is renamed into place.
    /// </remarks>
    public static void WriteAtomically(string path, SandboxManifest manifest)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, manifest, JsonDefaults.Indented);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
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
        catch (UnauthorizedAccessException)
        {
        }
    }
}
