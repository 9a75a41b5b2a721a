using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.State;

/// <summary>
/// The SQL functions the health statements merge latency histograms with. SQLite keeps functions per connection, so
/// every connection that runs such a statement registers them first: the traffic writer, and the migrations (the
/// rollup backfill of migration 8 groups per-second rows into minutes and hours inside SQL).
/// </summary>
internal static class SqliteHealthFunctions
{
    /// <summary>Scalar: the sum of two encoded histograms (what an upsert does when a bucket is written twice).</summary>
    public const string HistogramAdd = "ops_latency_histogram_add";

    /// <summary>Aggregate: the sum of a group's encoded histograms (an empty histogram for no rows).</summary>
    public const string HistogramSum = "ops_latency_histogram_sum";

    public static void Register(SqliteConnection c)
    {
        c.CreateFunction<byte[], byte[], byte[]>(HistogramAdd, (a, b) => LatencyHistogram.AddEncoded(a, b), isDeterministic: true);

        // The seed is shared by every group, so it stays null and each group makes its own histogram.
        c.CreateAggregate<byte[], LatencyHistogram?, byte[]>(
            HistogramSum,
            null,
            (sum, encoded) =>
            {
                sum ??= new LatencyHistogram();
                sum.AddEncoded(encoded);
                return sum;
            },
            sum => sum?.ToBytes() ?? [],
            isDeterministic: true);
    }
}
