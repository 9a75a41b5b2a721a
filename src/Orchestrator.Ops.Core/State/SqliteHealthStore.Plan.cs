using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.State;

/// <summary>Which resolution of history answers which part of a read.</summary>
internal sealed partial class SqliteHealthStore
{
    /// <summary>
    /// One kind of history at its resolutions, finest first: the table of each and its bucket width. Traffic is kept per
    /// second, minute and hour; probes as records (one per probe, width 1 ms: any range is exact) and per hour.
    /// </summary>
    internal sealed record HistoryFamily(string[] Tables, long[] WidthsMs);

    internal static readonly HistoryFamily Traffic = new(["traffic_aggregates", "traffic_minutes", "traffic_hours"], [1_000, 60_000, 3_600_000]);

    internal static readonly HistoryFamily Probes = new(["operations", "probe_hours"], [1, 3_600_000]);

    private const long HourMs = 3_600_000;

    /// <summary>Marks are whole hours: a coarser bucket then never straddles the edge of a finer table's part.</summary>
    internal const long MarkAlignmentMs = HourMs;

    /// <summary>
    /// Which table answers which part of [since, until) for a read grouped in steps of <paramref name="stepMs"/> from
    /// <paramref name="origin"/> (0: one group for the whole range): resolution r is <c>family.Tables[r]</c>.
    /// <para>
    /// Exactly where it can: a rollup bucket stands for its finer rows only when they all fall in one group (no step, or a
    /// step that is a whole multiple of the rollup's width from an origin aligned to it) and only where the rollup is
    /// whole (<paramref name="wholeFrom"/>: from that bucket on, per table; a rollup still being built, or a table pruned,
    /// is whole only from its mark). The whole rollup buckets come from the rollup, the edges from the next finer table,
    /// so the answer is the one the finest rows give.
    /// </para>
    /// <para>
    /// Where the finest rows are gone (older than their retention), the finest table that still holds that time answers
    /// with its buckets that start in the range: coarser there, as a downsampled Prometheus block is.
    /// </para>
    /// </summary>
    internal static IReadOnlyList<(int Resolution, long Since, long Until)> PlanRead(
        long since, long until, long origin, long stepMs, IReadOnlyList<long> widths, IReadOnlyList<long> wholeFrom)
    {
        var plan = new List<(int, long, long)>();
        void Exact(long from, long to, int r)
        {
            if (from >= to)
            {
                return;
            }

            if (r == 0)
            {
                var lo = Math.Max(from, wholeFrom[0]);
                if (lo < to)
                {
                    plan.Add((0, lo, to));
                }

                Coarse(from, Math.Min(to, lo), 1);
                return;
            }

            var width = widths[r];
            var fits = stepMs == 0 || (stepMs % width == 0 && AlignDown(origin, width) == origin);
            var (first, last) = (AlignUp(Math.Max(from, wholeFrom[r]), width), AlignDown(to, width));
            if (!fits || first >= last)
            {
                Exact(from, to, r - 1);
                return;
            }

            Exact(from, first, r - 1);
            plan.Add((r, first, last));
            Exact(last, to, r - 1);
        }

        void Coarse(long from, long to, int r)
        {
            if (from >= to || r >= widths.Count)
            {
                return;
            }

            var lo = Math.Max(from, wholeFrom[r]);
            if (lo < to)
            {
                plan.Add((r, lo, to));
            }

            Coarse(from, Math.Min(to, lo), r + 1);
        }

        Exact(since, until, widths.Count - 1);
        plan.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        return plan;
    }

    /// <summary>The plan of a traffic read on a store whose tables are all whole (what tests of the shape use).</summary>
    internal static IReadOnlyList<(int Resolution, long Since, long Until)> PlanTrafficRead(long since, long until, long origin, long stepMs) =>
        PlanRead(since, until, origin, stepMs, Traffic.WidthsMs, [long.MinValue, long.MinValue, long.MinValue]);

    /// <summary>From which bucket on each table of <paramref name="family"/> is whole (history_marks; no mark: all of it).</summary>
    private static async Task<long[]> WholeFromAsync(SqliteConnection c, HistoryFamily family, CancellationToken ct)
    {
        var marks = await ReadMarksAsync(c, ct).ConfigureAwait(false);
        return [.. family.Tables.Select(t => marks.TryGetValue(t, out var m) ? Math.Max(m.BuiltFrom ?? long.MinValue, m.PrunedBefore ?? long.MinValue) : long.MinValue)];
    }

    private static async Task<Dictionary<string, (long? BuiltFrom, long? PrunedBefore)>> ReadMarksAsync(SqliteConnection c, CancellationToken ct)
    {
        var marks = new Dictionary<string, (long?, long?)>(StringComparer.Ordinal);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = HealthSql.Marks;
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            marks[r.GetString(0)] = (r.IsDBNull(1) ? null : r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2));
        }

        return marks;
    }

    /// <summary>The aggregate of one wrapper, slot and bucket start in <paramref name="buckets"/>, added when it is not there yet.</summary>
    private static TrafficAggregate BucketOf(Dictionary<(string, string, long), TrafficAggregate> buckets, string wrapper, string slot, long start)
    {
        if (!buckets.TryGetValue((wrapper, slot, start), out var a))
        {
            buckets[(wrapper, slot, start)] = a = new TrafficAggregate(wrapper, slot, DateTimeOffset.FromUnixTimeMilliseconds(start));
        }

        return a;
    }

    /// <summary>Adds one row of an aggregate table (the columns of <see cref="HealthSql.AggregatesOfPair"/>) to <paramref name="a"/>.</summary>
    private static void AddRow(TrafficAggregate a, SqliteDataReader r)
    {
        a.AddStored(r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7),
            r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12), r.GetDouble(13),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(15)));
        a.Latency.AddEncoded((byte[])r.GetValue(14));
    }

    private static long AlignDown(long ms, long width) => ms - (((ms % width) + width) % width);

    private static long AlignUp(long ms, long width) => AlignDown(ms, width) == ms ? ms : AlignDown(ms, width) + width;
}
