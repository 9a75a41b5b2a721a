namespace Orchestrator.Ops.Core.Logs;

/// <summary>What a <see cref="LogService"/> aggregate reads. Every member is optional.</summary>
public sealed record LogMeasureRequest
{
    /// <summary>
    /// Log names or file paths. When empty each aggregate reads its natural log: errors, failed authentications and
    /// rate limits application.log; response times and success rates monitoring.log.
    /// </summary>
    public IReadOnlyList<string> Logs { get; init; } = [];

    /// <summary>Lines at or after this time (lines without a timestamp are left out when Since or Until is given).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Lines before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Split the aggregates by UTC hour or day.</summary>
    public LogInterval By { get; init; }

    /// <summary>Only lines about this wrapper (case-insensitive).</summary>
    public string? Wrapper { get; init; }
}
