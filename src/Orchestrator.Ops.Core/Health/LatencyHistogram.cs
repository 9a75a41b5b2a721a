using System.Buffers;

namespace Orchestrator.Ops.Core.Health;

/// <summary>
/// Latency counts in fixed log-linear buckets over units of 1/16 µs: one unit wide below 2 µs, then every power of
/// two split into 16 equal buckets, up to 2^36 µs (about 19 hours; longer latencies land in the last bucket). From
/// 1 µs up, a bucket is at most 1/16 of its lower bound wide, and a percentile read from a bucket is reported as the
/// bucket's midpoint, so it is within 1/32 (3.125 %) of the latency it stands for: the same relative precision for
/// a 0.3 ms answer as for a 3-minute one. 592 buckets; a second of real traffic fills a few dozen.
/// <para>Stored as <see cref="ToBytes"/>: (bucket index delta, count) pairs of unsigned LEB128 varints, ascending.</para>
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Units per millisecond (a unit is 1/16 µs).</summary>
    private const double UnitsPerMs = 16_000;

    /// <summary>Buckets below this many units are one unit wide.</summary>
    private const int LinearLimit = 32;

    /// <summary>Buckets per power of two above <see cref="LinearLimit"/>.</summary>
    private const int SubBuckets = 16;

    private const int SubBucketBits = 4;
    private const int FirstLogExponent = 5;
    private const int LastLogExponent = 39;

    /// <summary>The number of buckets.</summary>
    public const int BucketCount = LinearLimit + ((LastLogExponent - FirstLogExponent + 1) * SubBuckets);

    /// <summary>The largest relative error of a percentile read from a bucket (half a bucket's width over its lower bound).</summary>
    public const double MaxRelativeError = 1.0 / (2 * SubBuckets);

    private readonly long[] _counts = new long[BucketCount];

    /// <summary>Latencies counted.</summary>
    public long Count { get; private set; }

    /// <summary>Adds one latency.</summary>
    public void Record(double milliseconds) => RecordMany(milliseconds, 1);

    /// <summary>Adds <paramref name="count"/> times the same latency.</summary>
    public void RecordMany(double milliseconds, long count)
    {
        _counts[IndexOf(milliseconds)] += count;
        Count += count;
    }

    /// <summary>Adds another histogram's counts to this one.</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>Adds the counts of an encoded histogram (<see cref="ToBytes"/>) to this one.</summary>
    public void AddEncoded(ReadOnlySpan<byte> encoded)
    {
        var index = -1;
        var at = 0;
        while (at < encoded.Length)
        {
            index += (int)ReadVarint(encoded, ref at) + 1;
            var count = (long)ReadVarint(encoded, ref at);
            if ((uint)index >= BucketCount)
            {
                throw new FormatException($"A latency histogram names bucket {index}; there are {BucketCount}.");
            }

            _counts[index] += count;
            Count += count;
        }
    }

    /// <summary>The count in one bucket.</summary>
    public long CountAt(int index) => _counts[index];

    /// <summary>Clears every count.</summary>
    public void Clear()
    {
        Array.Clear(_counts);
        Count = 0;
    }

    /// <summary>The non-empty buckets as (index delta − 1, count) varint pairs, ascending: a few hundred bytes at most in practice.</summary>
    public byte[] ToBytes()
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var previous = -1;
        for (var i = 0; i < BucketCount; i++)
        {
            if (_counts[i] == 0)
            {
                continue;
            }

            WriteVarint(buffer, (ulong)(i - previous - 1));
            WriteVarint(buffer, (ulong)_counts[i]);
            previous = i;
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A histogram from its encoding.</summary>
    public static LatencyHistogram FromBytes(ReadOnlySpan<byte> encoded)
    {
        var h = new LatencyHistogram();
        h.AddEncoded(encoded);
        return h;
    }

    /// <summary>Adds two encodings; what the store's upsert does when two writers fill the same bucket.</summary>
    public static byte[] AddEncoded(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var h = FromBytes(a);
        h.AddEncoded(b);
        return h.ToBytes();
    }

    /// <summary>The bucket a latency falls in (negative and NaN latencies count as 0).</summary>
    public static int IndexOf(double milliseconds)
    {
        var units = milliseconds * UnitsPerMs;
        if (!(units > 0))
        {
            return 0;
        }

        var v = units >= 1L << (LastLogExponent + 1) ? (1L << (LastLogExponent + 1)) - 1 : (long)units;
        if (v < LinearLimit)
        {
            return (int)v;
        }

        var exponent = 63 - (int)long.LeadingZeroCount(v);
        var sub = (int)(v >> (exponent - SubBucketBits)) - SubBuckets;
        return LinearLimit + ((exponent - FirstLogExponent) * SubBuckets) + sub;
    }

    /// <summary>The latencies (ms) a bucket holds: [Low, High).</summary>
    public static (double Low, double High) BoundsOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, BucketCount);
        if (index < LinearLimit)
        {
            return (index / UnitsPerMs, (index + 1) / UnitsPerMs);
        }

        var exponent = FirstLogExponent + ((index - LinearLimit) / SubBuckets);
        var sub = SubBuckets + ((index - LinearLimit) % SubBuckets);
        var shift = exponent - SubBucketBits;
        return (((long)sub << shift) / UnitsPerMs, ((long)(sub + 1) << shift) / UnitsPerMs);
    }

    /// <summary>The value reported for a latency in the bucket: its midpoint.</summary>
    public static double ValueOf(int index)
    {
        var (low, high) = BoundsOf(index);
        return (low + high) / 2;
    }

    private static void WriteVarint(ArrayBufferWriter<byte> buffer, ulong value)
    {
        var span = buffer.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[n++] = (byte)value;
        buffer.Advance(n);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= data.Length)
            {
                throw new FormatException("A latency histogram ends inside a number.");
            }

            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new FormatException("A latency histogram holds a number longer than 64 bits.");
    }
}
