namespace Orchestrator.Ops.Core.Health;

/// <summary>A score (0–100, null when Unknown), the status it maps to, and what lowered it.</summary>
public sealed record HealthAssessment(double? Score, HealthStatus Status, string Message);
