namespace Orchestrator.Ops.Core.Logs;

/// <summary>Takes the lines a scan finds. One instance is used by one thread at a time.</summary>
internal abstract class LineSink
{
    /// <summary>One line, without its line break.</summary>
    /// <param name="line">The line's bytes, or its first <see cref="LogService.MaxLineBytes"/> when it is longer.</param>
    /// <param name="index">The line's index among the lines of this piece of work (0-based).</param>
    /// <param name="fullLength">The line's real length; more than <c>line.Length</c> when it was cut.</param>
    public abstract void Line(LogSource source, ReadOnlySpan<byte> line, long index, long fullLength);
}
