using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.State;

/// <summary>
/// The build of rollups for history written before the store had them (migration 10 marks it pending): newest hour
/// first, each hour of each wrapper and slot in one short transaction that replaces that hour's rollup rows with what
/// its finer rows add up to. Replacing (not adding) makes a build exact even while the gateway and the prober write,
/// and makes a redone hour harmless, so a build that stopped simply goes on from its mark.
/// </summary>
internal sealed partial class SqliteHealthStore
{
    public async Task<IReadOnlyList<RollupBuildProgress>> BuildRollupsAsync(IProgress<RollupBuildProgress>? progress, CancellationToken cancellationToken)
    {
        var results = new List<RollupBuildProgress>();
        foreach (var family in new[] { Traffic, Probes })
        {
            results.Add(await BuildAsync(family, progress, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    private async Task<RollupBuildProgress> BuildAsync(HistoryFamily family, IProgress<RollupBuildProgress>? progress, CancellationToken cancellationToken)
    {
        var name = family == Traffic ? "traffic" : "probes";
        var targets = family.Tables[1..];
        var (builtFrom, finerPruned, oldest, pairs) = await store.RunAsync(async (c, ct) =>
        {
            var marks = await ReadMarksAsync(c, ct).ConfigureAwait(false);
            var from = targets.Select(t => marks.TryGetValue(t, out var m) ? m.BuiltFrom : null).Max();
            var pruned = marks.TryGetValue(family.Tables[0], out var finer) ? finer.PrunedBefore : null;
            await using var cmd = c.CreateCommand();
            cmd.CommandText = family == Traffic ? "SELECT MIN(bucket_start) FROM traffic_aggregates;" : "SELECT MIN(started_at) FROM operations;";
            var min = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as long?;
            var all = new List<(string, string)>();
            cmd.CommandText = "SELECT wrapper, slot FROM series ORDER BY wrapper, slot;";
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                all.Add((r.GetString(0), r.GetString(1)));
            }

            return (from, pruned, min, all);
        }, cancellationToken).ConfigureAwait(false);
        if (builtFrom is null)
        {
            return new RollupBuildProgress(name, 0, 0, null);
        }

        // Nothing below what the finer table still holds whole can be built (the prune keeps it while a build is pending).
        var floor = oldest is { } o ? Math.Max(AlignDown(o, HourMs), finerPruned ?? long.MinValue) : builtFrom.Value;
        var total = Math.Max(0, (builtFrom.Value - floor) / HourMs);
        long done = 0;
        for (var hour = builtFrom.Value - HourMs; hour >= floor; hour -= HourMs)
        {
            foreach (var pair in pairs)
            {
                await store.RunAsync((c, ct) => RebuildHourAsync(c, family, pair, hour, ct), cancellationToken).ConfigureAwait(false);
            }

            var whole = hour;
            await SetBuiltFromAsync(targets, whole, cancellationToken).ConfigureAwait(false);
            done++;
            progress?.Report(new RollupBuildProgress(name, done, total, DateTimeOffset.FromUnixTimeMilliseconds(whole)));
        }

        // Every hour that has finer rows is built: the rollups are whole as far back as anything is.
        await SetBuiltFromAsync(targets, null, cancellationToken).ConfigureAwait(false);
        var final = new RollupBuildProgress(name, done, total, null);
        progress?.Report(final);
        return final;
    }

    private Task<int> SetBuiltFromAsync(string[] tables, long? builtFrom, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "UPDATE history_marks SET built_from = $from WHERE name = $name;";
            var from = cmd.Parameters.AddWithValue("$from", (object?)builtFrom ?? DBNull.Value);
            var table = cmd.Parameters.AddWithValue("$name", string.Empty);
            foreach (var t in tables)
            {
                table.Value = t;
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            // A mark that says nothing any more goes.
            cmd.CommandText = "DELETE FROM history_marks WHERE built_from IS NULL AND pruned_before IS NULL;";
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <summary>
    /// Replaces one wrapper and slot's rollup rows of one hour with what its finer rows add up to, in one transaction
    /// that takes the write lock before it reads, so no write falls between the read and the replacement.
    /// </summary>
    private static async Task<int> RebuildHourAsync(SqliteConnection c, HistoryFamily family, (string Wrapper, string Slot) pair, long hour, CancellationToken ct)
    {
        SqliteHealthFunctions.Register(c);
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, ct).ConfigureAwait(false);
        await using var read = c.CreateCommand();
        void OfThisHour(SqliteCommand cmd)
        {
            cmd.Transaction = tx;
            cmd.Parameters.AddWithValue("$wrapper", pair.Wrapper);
            cmd.Parameters.AddWithValue("$slot", pair.Slot);
            cmd.Parameters.AddWithValue("$since", hour);
            cmd.Parameters.AddWithValue("$until", hour + HourMs);
        }

        OfThisHour(read);
        read.Parameters.AddWithValue("$source", "probe");
        var buckets = new List<(int Level, Dictionary<(string, string, long), TrafficAggregate> Groups)>();
        for (var level = 1; level < family.Tables.Length; level++)
        {
            buckets.Add((level, []));
        }

        TrafficAggregate[] GroupsOf(long start) =>
            [.. buckets.Select(b => BucketOf(b.Groups, pair.Wrapper, pair.Slot, AlignDown(start, family.WidthsMs[b.Level])))];

        if (family == Probes)
        {
            read.CommandText = HealthSql.OperationsOfPair(withSource: true);
            var records = new List<OperationRecord>();
            await ReadOperationRowsAsync(read, records, ct).ConfigureAwait(false);
            foreach (var r in records)
            {
                foreach (var g in GroupsOf(r.StartedAt.ToUnixTimeMilliseconds()))
                {
                    g.Record(r);
                }
            }
        }
        else
        {
            read.CommandText = HealthSql.TrafficOfPair;
            await ReadAllAsync(read, r =>
            {
                foreach (var g in GroupsOf(r.GetInt64(2)))
                {
                    AddRow(g, r);
                }
            }, ct).ConfigureAwait(false);
        }

        await using var delete = c.CreateCommand();
        OfThisHour(delete);
        foreach (var (level, groups) in buckets)
        {
            var table = family.Tables[level];
            delete.CommandText = $"DELETE FROM {table} WHERE wrapper = $wrapper AND slot = $slot AND bucket_start >= $since AND bucket_start < $until;";
            await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await UpsertAsync(c, tx, table, family.WidthsMs[level], [.. groups.Values.Where(g => family == Traffic || g.Requests > 0)], ct).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        return 0;
    }
}
