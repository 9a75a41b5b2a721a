namespace Orchestrator.Ops.Core.State;

/// <summary>
/// Which traffic aggregates to read: the buckets that start in [Since, Until), optionally for one wrapper and slot,
/// merged per wrapper and slot into one aggregate for the whole range (<see cref="Step"/> null, stamped
/// <see cref="TrafficQuery.Since"/>) or one per step, steps starting at <see cref="Origin"/> (default: Since) plus
/// whole multiples of <see cref="Step"/>.
/// </summary>
public sealed record TrafficQuery(DateTimeOffset Since, DateTimeOffset Until)
{
    public string? Wrapper { get; init; }
    public string? Slot { get; init; }
    public TimeSpan? Step { get; init; }
    public DateTimeOffset? Origin { get; init; }
}
