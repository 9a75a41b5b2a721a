namespace Orchestrator.Ops.Core.Backups;

/// <summary>Why a backup operation failed.</summary>
public enum BackupFailure
{
    /// <summary>No backup with that id (no manifest).</summary>
    NotFound,

    /// <summary>The manifest or archive is missing, truncated, tampered with, or does not match.</summary>
    Damaged,

    /// <summary>The archive holds an entry that could write outside the destination, or one the manifest does not list.</summary>
    Unsafe,

    /// <summary>A file to back up is missing, unreadable, or changed size while being read.</summary>
    SourceMissing,

    /// <summary>Reading or writing the backup folder or the destination failed (a full disk, permissions).</summary>
    Io,

    /// <summary>The state store stayed locked by another process for longer than its busy timeout during the copy.</summary>
    StoreLocked,
}
