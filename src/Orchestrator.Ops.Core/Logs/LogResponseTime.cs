namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// Response times of one wrapper in one interval, in milliseconds. Percentiles are exact, by the nearest-rank
/// method (the smallest value with at least p % of the values at or below it).
/// </summary>
/// <param name="Wrapper">The wrapper, or "(none)" for lines that name none.</param>
public sealed record LogResponseTime(DateTimeOffset? Interval, string Wrapper, long Count, double Min, double P50, double P95, double P99, double Max);
