namespace Orchestrator.Ops.Core.Backups;

/// <summary>The result of checking one backup.</summary>
/// <param name="Passed">True when no problem was found.</param>
/// <param name="FilesChecked">Archive entries that matched a manifest entry.</param>
/// <param name="BytesChecked">Their bytes (re-hashed when <paramref name="ReadData"/>).</param>
/// <param name="Damaged">Each problem, entries in archive order first, then entries missing from the archive, then problems of the whole archive.</param>
/// <param name="ReadData">Whether every byte was re-hashed, or only the structure checked.</param>
public sealed record BackupVerification(string Id, bool Passed, int FilesChecked, long BytesChecked, IReadOnlyList<DamagedEntry> Damaged, bool ReadData)
{
    /// <summary>"intact", or how many problems and the first, for messages.</summary>
    internal string Describe() =>
        Passed ? "intact" : $"{Damaged.Count} problem(s); first: {Damaged[0].Path}: {Damaged[0].Problem}";
}
