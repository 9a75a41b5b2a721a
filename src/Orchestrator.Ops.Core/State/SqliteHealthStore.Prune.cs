namespace Orchestrator.Ops.Core.State;

/// <summary>Retention: each resolution pruned at its own cutoff, in batches that hold the store for a moment each.</summary>
internal sealed partial class SqliteHealthStore
{
    /// <summary>Rows per delete: a few milliseconds of the store's write lock.</summary>
    internal int PruneBatch { get; set; } = 5_000;

    /// <summary>The pause between batches, so a writer waiting for the lock (the gateway, a probe round) gets it.</summary>
    internal static readonly TimeSpan PrunePause = TimeSpan.FromMilliseconds(2);

    public async Task<HistoryPruneResult> PruneAsync(HistoryCutoffs cutoffs, CancellationToken cancellationToken)
    {
        var batches = 0;
        async Task<long> Table(string table, DateTimeOffset before, string delete)
        {
            // Whole hours always: a coarser bucket must never straddle the edge of what a finer table holds.
            var b = AlignDown(before.ToUnixTimeMilliseconds(), MarkAlignmentMs);
            // Marked first: from now on no reader takes the older part of this table as whole.
            await ExecuteAsync(HealthSql.MarkPruned, cancellationToken, ("$name", table), ("$before", b)).ConfigureAwait(false);
            long total = 0;
            while (true)
            {
                var n = await ExecuteAsync(delete, cancellationToken, ("$before", b), ("$batch", PruneBatch)).ConfigureAwait(false);
                batches++;
                total += n;
                if (n < PruneBatch)
                {
                    return total;
                }

                await Task.Delay(PrunePause, cancellationToken).ConfigureAwait(false);
            }
        }

        // Attempts first (the oldest detail), then the records they belong to, then each traffic resolution.
        // While a family's rollups are still being built from its finer rows (a store from before rollups), those rows
        // are what the build reads: they are kept until it has rolled them up, however old.
        var building = await store.RunAsync(ReadMarksAsync, cancellationToken).ConfigureAwait(false);
        bool Pending(HistoryFamily family) => family.Tables[1..].Any(t => building.TryGetValue(t, out var m) && m.BuiltFrom is not null);
        var attempts = await PruneAttemptsAsync(cutoffs.ProbeAttempts, () => batches++, cancellationToken).ConfigureAwait(false);
        var operations = Pending(Probes) ? 0 : await Table(Probes.Tables[0], cutoffs.Probes, HealthSql.PruneOperations).ConfigureAwait(false);
        var seconds = Pending(Traffic) ? 0 : await Table(Traffic.Tables[0], cutoffs.Seconds, HealthSql.PruneAggregates(Traffic.Tables[0])).ConfigureAwait(false);
        var minutes = await Table(Traffic.Tables[1], cutoffs.Minutes, HealthSql.PruneAggregates(Traffic.Tables[1])).ConfigureAwait(false);
        var hours = await Table(Traffic.Tables[2], cutoffs.Hours, HealthSql.PruneAggregates(Traffic.Tables[2])).ConfigureAwait(false);
        var probeHours = await Table(Probes.Tables[1], cutoffs.Hours, HealthSql.PruneAggregates(Probes.Tables[1])).ConfigureAwait(false);
        var series = await ExecuteAsync(HealthSql.PruneSeries, cancellationToken).ConfigureAwait(false);
        return new HistoryPruneResult
        {
            Operations = operations,
            ProbeAttempts = attempts,
            Seconds = seconds,
            Minutes = minutes,
            Hours = hours,
            ProbeHours = probeHours,
            Series = series,
            Batches = batches + 1,
        };
    }

    /// <summary>
    /// The attempts of probes that started before <paramref name="before"/>: every operation id below the first one
    /// that started at or after it (ids grow with time), a range of ids per batch by the primary key.
    /// </summary>
    private async Task<long> PruneAttemptsAsync(DateTimeOffset before, Action batch, CancellationToken cancellationToken)
    {
        var (first, boundary) = await store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = HealthSql.FirstOperationSince;
            cmd.Parameters.AddWithValue("$before", AlignDown(before.ToUnixTimeMilliseconds(), MarkAlignmentMs));
            var b = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
            cmd.CommandText = HealthSql.FirstAttempt;
            var f = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
            cmd.CommandText = "SELECT MAX(id) + 1 FROM operations;";
            var end = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
            return (f is long fl ? fl : (long?)null, b is long bl ? bl : end is long el ? el : 0L);
        }, cancellationToken).ConfigureAwait(false);
        long total = 0;
        for (var lo = first ?? boundary; lo < boundary; lo += PruneBatch)
        {
            var hi = Math.Min(boundary, lo + PruneBatch);
            total += await ExecuteAsync(HealthSql.PruneAttempts, cancellationToken, ("$min", lo), ("$max", hi)).ConfigureAwait(false);
            batch();
            await Task.Delay(PrunePause, cancellationToken).ConfigureAwait(false);
        }

        return total;
    }

    /// <summary>One statement in its own transaction (its own connection from the pool); returns the rows it changed.</summary>
    private Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                cmd.Parameters.AddWithValue(name, value);
            }

            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
}
