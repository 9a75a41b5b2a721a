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

    /// <summary>
    /// Every pending and firing alert, however many: an evaluation round that saw only the newest 1,000 would open
    /// again the ones it missed (a fleet of 200 failing wrappers has more), which the store's one-open-alert-per-key
    /// index refuses, and the whole round would fail.
    /// </summary>
    public static AlertQuery Open { get; } = new() { States = [AlertState.Pending, AlertState.Firing], Limit = int.MaxValue };
}
