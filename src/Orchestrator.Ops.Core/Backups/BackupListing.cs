namespace Orchestrator.Ops.Core.Backups;

/// <summary>One backup found in a backup folder.</summary>
/// <param name="Manifest">Its manifest, or null when it could not be read or verified.</param>
/// <param name="Problem">Why the manifest could not be read or verified; null when <paramref name="Manifest"/> is set.</param>
public sealed record BackupListing(string Id, BackupManifest? Manifest, string? Problem);
