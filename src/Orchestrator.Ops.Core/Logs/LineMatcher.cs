namespace Orchestrator.Ops.Core.Logs;

/// <summary>Decides whether a line is wanted and makes its result. Shared by the workers of one search, so stateless.</summary>
internal abstract class LineMatcher<T>
{
    /// <param name="ticks">The line's timestamp when the matcher read it (to know how far back a tail has gone).</param>
    public abstract bool TryMatch(LogSource source, ReadOnlySpan<byte> line, long fullLength, out T value, out long? ticks);
}
