namespace Orchestrator.Ops.Core.Logs;

/// <summary>Failed authentications from one client address in one interval; Rank 1 is the top offender of the interval.</summary>
public sealed record LogFailedAuth(DateTimeOffset? Interval, string Client, long Count, DateTimeOffset? First, DateTimeOffset? Last, int Rank);
