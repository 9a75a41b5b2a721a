namespace Orchestrator.Ops.Core.Configuration;

/// <summary>Backups: where they go, what they hold besides the ops state, and how many are kept.</summary>
public sealed record BackupSettings
{
    /// <summary>The backup root (absolute once loaded); default &lt;opsRoot&gt;/backups.</summary>
    public required string Root { get; init; }

    /// <summary>zstd or gzip; null takes the library's measured default.</summary>
    public string? Codec { get; init; }

    /// <summary>Application files or folders backed up besides the ops state, config and rollback points (absolute once loaded).</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>Retention: the newest this-many backups are kept.</summary>
    public int KeepLast { get; init; }

    /// <summary>Retention: the newest backup of each of the last this-many days with backups (the runbook's 7 days).</summary>
    public int KeepDaily { get; init; } = 7;

    public int KeepWeekly { get; init; }

    public int KeepMonthly { get; init; }
}
