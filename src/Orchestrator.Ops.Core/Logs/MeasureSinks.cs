using System.Runtime.InteropServices;
using System.Text;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>Count, earliest and latest timestamp (UTC ticks) of one aggregate key.</summary>
internal struct Tally
{
    public long Count;
    public long First;
    public long Last;

    public void Add(bool hasTicks, long ticks)
    {
        if (Count++ == 0)
        {
            First = long.MaxValue;
            Last = long.MinValue;
        }

        if (hasTicks)
        {
            First = Math.Min(First, ticks);
            Last = Math.Max(Last, ticks);
        }
    }

    public void Add(Tally other)
    {
        if (other.Count == 0)
        {
            return;
        }

        if (Count == 0)
        {
            this = other;
            return;
        }

        Count += other.Count;
        First = Math.Min(First, other.First);
        Last = Math.Max(Last, other.Last);
    }
}

/// <summary>What the aggregates share: parsing a line's head, compact-JSON lines turned into the same message bytes.</summary>
internal abstract class MeasureSink(MeasureScope scope) : LineSink
{
    protected MeasureScope Scope { get; } = scope;

    protected static bool IsAccess(ReadOnlySpan<byte> line, in LineHead head) =>
        head.CategoryLength == 6 && line.Slice(head.CategoryStart, 6).SequenceEqual("access"u8);

    /// <summary>A compact-JSON line as level, time, category and message bytes; false when it is not valid JSON.</summary>
    protected static bool TryJson(ReadOnlySpan<byte> line, out ClefEvent clef, out byte[] message)
    {
        message = [];
        if (!ClefEvent.TryParse(line, out clef))
        {
            return false;
        }

        message = Encoding.UTF8.GetBytes(clef.Message);
        return true;
    }

    protected static bool JsonIsAccess(ClefEvent clef) =>
        string.Equals(clef.StringProperty("Category"), "access", StringComparison.Ordinal);

    protected static ReadOnlySpan<byte> JsonWrapper(ClefEvent clef, ReadOnlySpan<byte> message, byte[][] slots) =>
        clef.StringProperty("Wrapper") is { } w ? Encoding.UTF8.GetBytes(w) : LogFields.Wrapper(message, slots);
}

/// <summary>-ErrorsByType: error and fatal lines per (interval, error type, wrapper).</summary>
internal sealed class ErrorCountSink(MeasureScope scope) : MeasureSink(scope)
{
    public ByteKeyTable Types { get; } = new();

    public ByteKeyTable Wrappers { get; } = new();

    public Dictionary<(long Interval, int Type, int Wrapper), Tally> Counts { get; } = [];

    public override void Line(LogSource source, ReadOnlySpan<byte> line, long index, long fullLength)
    {
        LogLineParser.ParseHead(line, out var head);
        if (head.Json)
        {
            Json(line);
            return;
        }

        if (head.Level < LogLevel.Error)
        {
            return;
        }

        var has = LogLineParser.TryGetTicks(line, head, out var ticks);
        if (!Scope.TryInterval(has, ticks, out var key))
        {
            return;
        }

        var message = line[head.MessageStart..];
        var wrapper = LogFields.Wrapper(message, Scope.Slots);
        if (!Scope.WrapperOk(wrapper))
        {
            return;
        }

        var type = LogFields.ErrorType(message);
        Add(key, type.IsEmpty ? -1 : Types.GetOrAdd(type), wrapper.IsEmpty ? -1 : Wrappers.GetOrAdd(wrapper), has, ticks);
    }

    private void Json(ReadOnlySpan<byte> line)
    {
        if (!TryJson(line, out var clef, out var message) || clef.Level < LogLevel.Error
            || !Scope.TryInterval(clef.Ticks is not null, clef.Ticks ?? 0, out var key))
        {
            return;
        }

        var wrapper = JsonWrapper(clef, message, Scope.Slots);
        if (!Scope.WrapperOk(wrapper))
        {
            return;
        }

        var type = clef.ErrorType();
        Add(key, type is null ? -1 : Types.GetOrAdd(type), wrapper.IsEmpty ? -1 : Wrappers.GetOrAdd(wrapper), clef.Ticks is not null, clef.Ticks ?? 0);
    }

    private void Add(long key, int type, int wrapper, bool hasTicks, long ticks) =>
        CollectionsMarshal.GetValueRefOrAddDefault(Counts, (key, type, wrapper), out _).Add(hasTicks, ticks);
}

/// <summary>-ResponseTime: every response time (probe lines' response_time, access lines' duration) per (interval, wrapper).</summary>
internal sealed class ResponseTimeSink(MeasureScope scope) : MeasureSink(scope)
{
    private (long Interval, int Wrapper) _lastKey = (long.MinValue, int.MinValue);
    private List<double>? _lastList;

    public ByteKeyTable Wrappers { get; } = new();

    public Dictionary<(long Interval, int Wrapper), List<double>> Values { get; } = [];

    public override void Line(LogSource source, ReadOnlySpan<byte> line, long index, long fullLength)
    {
        LogLineParser.ParseHead(line, out var head);
        double value;
        ReadOnlySpan<byte> wrapper;
        bool has;
        long ticks;
        if (head.Json)
        {
            if (!TryJson(line, out var clef, out var jsonMessage))
            {
                return;
            }

            if (clef.NumberProperty("ResponseTime") is { } rt)
            {
                value = rt;
            }
            else if (clef.NumberProperty("response_time") is { } rt2)
            {
                value = rt2;
            }
            else if (!LogFields.TryResponseTime(jsonMessage, out value))
            {
                return;
            }

            wrapper = JsonWrapper(clef, jsonMessage, Scope.Slots);
            has = clef.Ticks is not null;
            ticks = clef.Ticks ?? 0;
        }
        else
        {
            var message = line[head.MessageStart..];
            if (IsAccess(line, head) && LogFields.TryAccess(message, out var access))
            {
                value = access.DurationMs;
                wrapper = access.Wrapper;
            }
            else if (LogFields.TryResponseTime(message, out value))
            {
                wrapper = LogFields.ProbeWrapper(message);
                if (wrapper.IsEmpty)
                {
                    wrapper = LogFields.Wrapper(message, Scope.Slots);
                }
            }
            else
            {
                return;
            }

            ticks = 0;
            has = Scope.NeedsTicks && LogLineParser.TryGetTicks(line, head, out ticks);
        }

        if (!Scope.TryInterval(has, ticks, out var interval) || !Scope.WrapperOk(wrapper))
        {
            return;
        }

        var key = (interval, wrapper.IsEmpty ? -1 : Wrappers.GetOrAdd(wrapper));
        if (key != _lastKey || _lastList is null)
        {
            ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(Values, key, out _);
            list ??= [];
            _lastKey = key;
            _lastList = list;
        }

        _lastList.Add(value);
    }
}

/// <summary>-SuccessRate: probe lines (an error probe line is a failure) and access lines (5xx is a failure) per (interval, wrapper).</summary>
internal sealed class SuccessRateSink(MeasureScope scope) : MeasureSink(scope)
{
    public ByteKeyTable Wrappers { get; } = new();

    public Dictionary<(long Interval, int Wrapper), (long Total, long Failed)> Counts { get; } = [];

    public override void Line(LogSource source, ReadOnlySpan<byte> line, long index, long fullLength)
    {
        LogLineParser.ParseHead(line, out var head);
        ReadOnlySpan<byte> wrapper;
        bool failed;
        bool has;
        long ticks;
        if (head.Json)
        {
            if (!TryJson(line, out var clef, out var message))
            {
                return;
            }

            if (JsonIsAccess(clef) && LogFields.TryAccess(message, out var a))
            {
                wrapper = a.Wrapper;
                failed = a.Status >= 500;
            }
            else
            {
                wrapper = LogFields.ProbeWrapper(message);
                failed = clef.Level >= LogLevel.Error;
            }

            has = clef.Ticks is not null;
            ticks = clef.Ticks ?? 0;
        }
        else
        {
            var message = line[head.MessageStart..];
            if (IsAccess(line, head) && LogFields.TryAccess(message, out var a))
            {
                wrapper = a.Wrapper;
                failed = a.Status >= 500;
            }
            else
            {
                wrapper = LogFields.ProbeWrapper(message);
                failed = head.Level >= LogLevel.Error;
            }

            if (wrapper.IsEmpty)
            {
                return;
            }

            ticks = 0;
            has = Scope.NeedsTicks && LogLineParser.TryGetTicks(line, head, out ticks);
        }

        if (wrapper.IsEmpty || !Scope.TryInterval(has, ticks, out var interval) || !Scope.WrapperOk(wrapper))
        {
            return;
        }

        ref var c = ref CollectionsMarshal.GetValueRefOrAddDefault(Counts, (interval, Wrappers.GetOrAdd(wrapper)), out _);
        c.Total++;
        if (failed)
        {
            c.Failed++;
        }
    }
}

/// <summary>
/// -FailedAuth and -RateLimit: lines about one client per (interval, client). Failed authentications are the API's
/// "Failed authentication from {Client}" lines; rate-limit violations its "Refused ... from {Client}: too many failed
/// authentications" lines and 429 answers in access.log.
/// </summary>
internal sealed class ClientCountSink(MeasureScope scope, bool rateLimits) : MeasureSink(scope)
{
    public ByteKeyTable Clients { get; } = new();

    public Dictionary<(long Interval, int Client), Tally> Counts { get; } = [];

    public override void Line(LogSource source, ReadOnlySpan<byte> line, long index, long fullLength)
    {
        // The needle first, on the whole line: most lines are about something else.
        if (rateLimits
                ? line.IndexOf("too many failed authentications"u8) < 0 && line.IndexOf("\" 429 "u8) < 0
                : line.IndexOf("Failed authentication from "u8) < 0)
        {
            return;
        }

        LogLineParser.ParseHead(line, out var head);
        ReadOnlySpan<byte> client;
        bool has;
        long ticks;
        if (head.Json)
        {
            if (!TryJson(line, out var clef, out var message))
            {
                return;
            }

            client = Client(message, JsonIsAccess(clef));
            has = clef.Ticks is not null;
            ticks = clef.Ticks ?? 0;
        }
        else
        {
            client = Client(line[head.MessageStart..], IsAccess(line, head));
            has = LogLineParser.TryGetTicks(line, head, out ticks);
        }

        if (client.IsEmpty || !Scope.TryInterval(has, ticks, out var interval))
        {
            return;
        }

        CollectionsMarshal.GetValueRefOrAddDefault(Counts, (interval, Clients.GetOrAdd(client)), out _).Add(has, ticks);
    }

    private ReadOnlySpan<byte> Client(ReadOnlySpan<byte> message, bool access)
    {
        if (!rateLimits)
        {
            return LogFields.FailedAuthClient(message);
        }

        if (access)
        {
            return LogFields.TryAccess(message, out var a) && a.Status == 429 ? a.Client : default;
        }

        return LogFields.RateLimitedClient(message);
    }
}
