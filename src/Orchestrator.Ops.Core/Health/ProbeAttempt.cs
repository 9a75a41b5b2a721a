namespace Orchestrator.Ops.Core.Health;

/// <summary>One attempt of a probe. Every attempt is recorded so a success after retries stays visible.</summary>
public sealed record ProbeAttempt(
    int Number,
    DateTimeOffset StartedAt,
    double DurationMs,
    ProbeAttemptOutcome Outcome,
    int? StatusCode,
    string? Error);
