namespace Orchestrator.Ops.Core.Logs;

/// <summary>How aggregates are split in time (UTC hours or days); None gives one row per key over the whole range.</summary>
public enum LogInterval
{
    None,
    Hour,
    Day,
}
