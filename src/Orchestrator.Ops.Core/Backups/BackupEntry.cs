namespace Orchestrator.Ops.Core.Backups;

/// <summary>One file recorded in a backup's manifest.</summary>
/// <param name="Path">Relative, '/'-separated path inside the archive.</param>
/// <param name="Size">Bytes, as read when the backup was taken.</param>
/// <param name="Mode">Unix permissions when the backup was taken (restored without setuid/setgid/sticky bits).</param>
/// <param name="Modified">Last write time when the backup was taken.</param>
/// <param name="Sha256">SHA-256 of the content, lower-case hex.</param>
public sealed record BackupEntry(string Path, long Size, UnixFileMode Mode, DateTimeOffset Modified, string Sha256);
