namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>
/// One row of what a runbook item looked at: a subject (a wrapper in a slot, a backup, a file, a client address), the
/// measure taken, its value, the target it was held to and how it compares. The same rows make the report's tables.
/// </summary>
/// <param name="Subject">What was looked at: <c>routellm/blue</c>, a backup id, a file path, a client address.</param>
/// <param name="Measure">What was measured: <c>HealthScore</c>, <c>AgeHours</c>, <c>P95Ms</c>, <c>FailedAuth</c>.</param>
/// <param name="Value">The value: a number, a flag, a text, a time; null when there was no data.</param>
/// <param name="Target">The target or limit it was held to, as the runbook writes it (<c>&lt; 2000</c>); null when none.</param>
/// <param name="Status">How this row compares with its target; null for rows that only inform.</param>
/// <param name="Note">What else a person needs to read the row.</param>
public sealed record RunbookEvidence(string Subject, string Measure, object? Value, string? Target = null, RunbookStatus? Status = null, string? Note = null);
