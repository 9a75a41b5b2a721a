namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// What a backup holds and how to check it. Written last, beside the archive, so a backup is complete exactly when its
/// manifest exists. <see cref="ManifestSha256"/> seals every other field; it detects damage and careless edits, not a
/// deliberate forger (who can recompute it), which is why extraction checks paths and entry types on its own.
/// </summary>
public sealed record BackupManifest
{
    /// <summary>The manifest format; readers refuse versions they do not know.</summary>
    public int FormatVersion { get; init; } = 1;

    /// <summary>The backup's id, chosen by the caller so that ids sort by creation time (e.g. <c>20261128-011500-3fa9c2</c>).</summary>
    public required string Id { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public string? Description { get; init; }

    public string? Tag { get; init; }

    /// <summary>The machine the backup was taken on.</summary>
    public required string Host { get; init; }

    /// <summary>The archive's compression: <c>zstd</c> or <c>gzip</c>.</summary>
    public required string Codec { get; init; }

    /// <summary>Every file, in archive order.</summary>
    public IReadOnlyList<BackupEntry> Entries { get; init; } = [];

    /// <summary>Sum of the entries' sizes.</summary>
    public long Bytes { get; init; }

    /// <summary>The archive file's size.</summary>
    public long CompressedBytes { get; init; }

    /// <summary>SHA-256 of the archive file, lower-case hex.</summary>
    public string? ArchiveSha256 { get; init; }

    /// <summary>SHA-256 of the canonical manifest JSON without this field, lower-case hex.</summary>
    public string? ManifestSha256 { get; init; }
}
