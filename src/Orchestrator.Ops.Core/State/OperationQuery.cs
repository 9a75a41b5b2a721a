using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.State;

/// <summary>Which operation records to read.</summary>
public sealed record OperationQuery(DateTimeOffset Since, DateTimeOffset Until)
{
    public string? Wrapper { get; init; }
    public string? Slot { get; init; }
    public OperationSource? Source { get; init; }
    public bool IncludeAttempts { get; init; }
}
