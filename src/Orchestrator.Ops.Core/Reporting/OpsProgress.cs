namespace Orchestrator.Ops.Core.Reporting;

/// <summary>A progress report: an activity, what it is doing now, and how far along it is.</summary>
/// <param name="Completed">True when the activity has finished (the cmdlet then writes -Completed).</param>
public sealed record OpsProgress(int ActivityId, string Activity, string Status, int PercentComplete, bool Completed = false);
