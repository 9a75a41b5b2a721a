namespace Orchestrator.Ops.Core.Backups;

/// <summary>A complete backup as New-Backup and Get-Backup show it.</summary>
public sealed record Backup
{
    public required string Id { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string? Description { get; init; }
    public string? Tag { get; init; }
    public int Files { get; init; }
    public long Bytes { get; init; }
    public long CompressedBytes { get; init; }

    /// <summary>
    /// True on New-Backup's output: every entry was read back and re-hashed right after it was written (a backup
    /// that fails is deleted). Null where nothing was checked (Get-Backup lists manifests; Test-Backup checks).
    /// </summary>
    public bool? Verified { get; init; }

    /// <summary>The archive's path.</summary>
    public required string Location { get; init; }

    public required string Host { get; init; }
    public required string Codec { get; init; }

    /// <summary>The entries (path in the backup, size, mode, modified time, SHA-256).</summary>
    public IReadOnlyList<BackupEntry> Entries { get; init; } = [];

    internal static Backup From(BackupManifest m, string location, bool? verified) => new()
    {
        Id = m.Id,
        CreatedAt = m.CreatedAt,
        Description = m.Description,
        Tag = m.Tag,
        Files = m.Entries.Count,
        Bytes = m.Bytes,
        CompressedBytes = m.CompressedBytes,
        Verified = verified,
        Location = location,
        Host = m.Host,
        Codec = m.Codec,
        Entries = m.Entries,
    };
}

/// <summary>What a restore does to one file (the same under -WhatIf, where it is only planned).</summary>
public enum RestoredBackupFileAction
{
    /// <summary>The target did not exist and is written.</summary>
    Created,

    /// <summary>The target exists with other content and is overwritten (the state store, restored in place, always is).</summary>
    Replaced,

    /// <summary>The target already has the backed-up content and is left alone.</summary>
    Unchanged,
}

/// <summary>What one file of a restore did (or would do, under -WhatIf).</summary>
/// <param name="Action">Created, Replaced, Unchanged.</param>
/// <param name="Target">Where the file is restored to.</param>
public sealed record RestoredBackupFile(string EntryPath, string Target, RestoredBackupFileAction Action, long Size);

/// <summary>What Restore-Backup did.</summary>
public sealed record RestoreResult
{
    public required string BackupId { get; init; }
    public required string Destination { get; init; }
    public bool InPlace { get; init; }
    public int Created { get; init; }
    public int Replaced { get; init; }
    public int Unchanged { get; init; }

    /// <summary>Every restored file's size and SHA-256 matched the manifest.</summary>
    public bool Verified { get; init; }

    /// <summary>The backup made of what an in-place restore overwrote (null when nothing was overwritten or not in place).</summary>
    public string? SafetyBackupId { get; init; }

    public bool StoreRestored { get; init; }
    public IReadOnlyList<RestoredBackupFile> Files { get; init; } = [];
    public TimeSpan Duration { get; init; }
}

/// <summary>The disaster-recovery drill's report (the runbook's monthly test).</summary>
public sealed record DisasterRecoveryReport
{
    public required string BackupId { get; init; }
    public DateTimeOffset BackupCreatedAt { get; init; }
    public bool Passed { get; init; }
    public BackupVerification? Verification { get; init; }
    public int FilesRestored { get; init; }
    public long BytesRestored { get; init; }

    /// <summary>The restored store opened, passed SQLite's integrity check and has this schema version.</summary>
    public bool StoreOpened { get; init; }
    public int? StoreSchemaVersion { get; init; }
    public string? StoreIntegrity { get; init; }

    /// <summary>Restored files equal to the live ones, different, and missing live.</summary>
    public int SameAsLive { get; init; }
    public IReadOnlyList<string> DifferentFromLive { get; init; } = [];
    public IReadOnlyList<string> MissingLive { get; init; } = [];
    public IReadOnlyList<string> Problems { get; init; } = [];
    public TimeSpan Duration { get; init; }
}

/// <summary>A backup retention would keep or delete, and why.</summary>
public sealed record RetentionDecision(string Id, DateTimeOffset CreatedAt, bool Keep, string Reason);

/// <summary>What Remove-Backup would remove: a decision for each backup concerned, and the ids asked for that are no complete backup.</summary>
/// <param name="Decisions">Newest first for a policy; in the order asked for by id. Those with Keep false are removed.</param>
/// <param name="NotFound">Ids given that name no complete backup (each as often as it was given).</param>
public sealed record BackupRemovalPlan(IReadOnlyList<RetentionDecision> Decisions, IReadOnlyList<string> NotFound);
