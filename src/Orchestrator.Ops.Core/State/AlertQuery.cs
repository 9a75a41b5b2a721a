using Orchestrator.Ops.Core.Alerts;

namespace Orchestrator.Ops.Core.State;

/// <summary>Which alerts to read; null fields match everything. Newest first.</summary>
public sealed record AlertQuery
{
    public long? Id { get; init; }
    public AlertSeverity? Severity { get; init; }
    public IReadOnlyList<AlertState>? States { get; init; }
    public string? Wrapper { get; init; }
    public int Limit { get; init; } = 1000;

    public static AlertQuery Open { get; } = new() { States = [AlertState.Pending, AlertState.Firing] };
}
