namespace Orchestrator.Ops.Tests.Shared;

/// <summary>
/// The real clock moved by an offset a test sets: timers and delays run in real time (so probes, retries and waits
/// behave as in production), while "now" jumps ahead when the test says an hour has passed. For deadlines measured in
/// hours that a test cannot wait out, without the race a short real wait has on a loaded machine.
/// </summary>
public sealed class ShiftedTime : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
