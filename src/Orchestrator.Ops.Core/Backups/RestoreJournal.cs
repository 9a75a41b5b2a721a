namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// The journal of an in-place restore: &lt;root&gt;/.restore-in-progress names the backup and its safety backup while
/// files are being swapped in, so a process that dies half-way leaves a note the next operation reports.
/// </summary>
internal sealed class RestoreJournal(string root)
{
    private string FilePath => Path.Combine(root, ".restore-in-progress");

    /// <summary>Writes the journal (atomically) before the first file is swapped in.</summary>
    public void Begin(string text) => AtomicFile.WriteAllText(FilePath, text + Environment.NewLine);

    /// <summary>Removes the journal once every file is in.</summary>
    public void End() => File.Delete(FilePath);

    /// <summary>What an interrupted in-place restore was doing, or null when none was interrupted.</summary>
    public string? Interrupted() => File.Exists(FilePath) ? File.ReadAllText(FilePath).Trim() : null;
}
