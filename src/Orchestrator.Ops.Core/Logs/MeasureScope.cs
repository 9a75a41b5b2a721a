using System.Text;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>The time range, interval and wrapper an aggregate keeps, shared (read-only) by its workers.</summary>
internal sealed class MeasureScope
{
    public MeasureScope(LogMeasureRequest request, byte[][] slots)
    {
        Since = request.Since?.UtcTicks;
        Until = request.Until?.UtcTicks;
        By = request.By;
        Wrapper = string.IsNullOrWhiteSpace(request.Wrapper) ? null : Encoding.UTF8.GetBytes(request.Wrapper.Trim());
        Slots = slots;
    }

    public long? Since { get; }

    public long? Until { get; }

    public LogInterval By { get; }

    public byte[]? Wrapper { get; }

    public byte[][] Slots { get; }

    /// <summary>Whether a line's timestamp matters (a time range or intervals); when not, aggregates without First/Last skip reading it.</summary>
    public bool NeedsTicks => Since is not null || Until is not null || By != LogInterval.None;

    /// <summary>Whether a line with this timestamp is kept, and the key of its interval (long.MinValue: no timestamp).</summary>
    public bool TryInterval(bool hasTicks, long ticks, out long key)
    {
        key = 0;
        if (Since is not null || Until is not null)
        {
            if (!hasTicks || ticks < Since || ticks >= Until)
            {
                return false;
            }
        }

        key = By switch
        {
            LogInterval.None => 0,
            _ when !hasTicks => long.MinValue,
            LogInterval.Hour => ticks - (ticks % TimeSpan.TicksPerHour),
            _ => ticks - (ticks % TimeSpan.TicksPerDay),
        };
        return true;
    }

    public bool WrapperOk(ReadOnlySpan<byte> wrapper) =>
        Wrapper is null || System.Text.Ascii.EqualsIgnoreCase(wrapper, Wrapper) || (!System.Text.Ascii.IsValid(wrapper) && wrapper.SequenceEqual(Wrapper));

    public DateTimeOffset? IntervalOf(long key) =>
        By == LogInterval.None || key == long.MinValue ? null : new DateTimeOffset(key, TimeSpan.Zero);

    public static DateTimeOffset? Time(long ticks) =>
        ticks is long.MaxValue or long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
}
