namespace Orchestrator.Ops.Core.Logs;

/// <summary>Errors (and fatal events) of one type, for one wrapper (null: lines naming none), in one interval.</summary>
/// <param name="Interval">The hour or day (UTC) the counts are in; null without -By.</param>
/// <param name="ErrorType">The PascalCase word the message starts with, or "(untyped)".</param>
/// <param name="First">The earliest timestamp among them.</param>
/// <param name="Last">The latest timestamp among them.</param>
public sealed record LogErrorCount(DateTimeOffset? Interval, string ErrorType, string? Wrapper, long Count, DateTimeOffset? First, DateTimeOffset? Last);
