namespace Orchestrator.Ops.Core.Logs;

/// <summary>Rate-limit violations of one client in one interval: requests refused for too many failed authentications, and 429 answers in access.log.</summary>
public sealed record LogRateLimit(DateTimeOffset? Interval, string Client, long Count, DateTimeOffset? First, DateTimeOffset? Last);
