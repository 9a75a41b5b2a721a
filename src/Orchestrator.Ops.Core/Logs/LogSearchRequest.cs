namespace Orchestrator.Ops.Core.Logs;

/// <summary>What <see cref="LogService.SearchAsync"/> reads and which entries it keeps. Every filter is optional.</summary>
public sealed record LogSearchRequest
{
    /// <summary>Log names (application, access, error, monitoring: with their rotated siblings) or file paths; application when empty.</summary>
    public IReadOnlyList<string> Logs { get; init; } = [];

    /// <summary>Entries at this level or above (lines without a level are dropped).</summary>
    public LogLevel? MinimumLevel { get; init; }

    /// <summary>Entries at one of these levels.</summary>
    public IReadOnlyList<LogLevel>? Levels { get; init; }

    /// <summary>A regular expression the whole line must match (case-insensitive unless <see cref="CaseSensitive"/>).</summary>
    public string? Pattern { get; init; }

    /// <summary>Match <see cref="Pattern"/> case-sensitively, like grep.</summary>
    public bool CaseSensitive { get; init; }

    /// <summary>Entries about this wrapper (case-insensitive).</summary>
    public string? Wrapper { get; init; }

    /// <summary>Entries at or after this time. Lines without a timestamp are dropped when Since or Until is given.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Entries before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Only the last N matching entries (found by reading from the end of the newest file back).</summary>
    public int? Tail { get; init; }

    /// <summary>After what is there, follow the log as it grows (rotation included) until cancelled.</summary>
    public bool Follow { get; init; }

    /// <summary>Skip parsing what no filter needs: entries carry the line and a minimal message (for -Raw).</summary>
    public bool Raw { get; init; }
}
