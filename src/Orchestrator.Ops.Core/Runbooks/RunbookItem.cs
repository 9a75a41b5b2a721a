namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>One item of a procedure: its name, the runbook's sections, and the check that decides it.</summary>
internal sealed record RunbookItem(string Name, string Section, Func<RunbookContext, CancellationToken, Task<RunbookOutcome>> Check);
