namespace Orchestrator.Ops.Core.Logs;

/// <summary>Keeps what a matcher makes of the lines of one work item, with the lines' indexes.</summary>
internal sealed class CollectingSink<T>(LineMatcher<T> matcher) : LineSink
{
    public List<(long Index, T Value)> Results { get; } = [];

    /// <summary>The earliest timestamp seen (UTC ticks, long.MaxValue: none); lets -Tail stop going back before -Since.</summary>
    public long EarliestTicks { get; private set; } = long.MaxValue;

    public override void Line(LogSource source, ReadOnlySpan<byte> line, long index, long fullLength)
    {
        if (matcher.TryMatch(source, line, fullLength, out var value, out var ticks))
        {
            Results.Add((index, value));
        }

        if (ticks is { } t && t < EarliestTicks)
        {
            EarliestTicks = t;
        }
    }
}
