using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.State;

/// <summary>
/// The health tables of the SQLite store: probe and request operations with their attempts, the per-second traffic
/// aggregates with their per-minute and per-hour rollups, the probes' hourly rollup, and <c>series</c>, one row per
/// wrapper and slot with its newest probe. Every read takes one access path of
/// <see cref="HealthSql"/>, each of which a test checks uses its index: a wrapper and slot by their keys, everything in a
/// time range by the time index, never a filter the planner cannot use.
/// </summary>
internal sealed partial class SqliteHealthStore(SqliteStateStore store) : IHealthStore
{
    public Task<IReadOnlyList<OperationRecord>> AddAsync(IReadOnlyList<OperationRecord> records, CancellationToken cancellationToken) =>
        store.RunAsync<IReadOnlyList<OperationRecord>>(async (c, ct) =>
        {
            var saved = new List<OperationRecord>(records.Count);
            await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using var op = c.CreateCommand();
            op.Transaction = tx;
            op.CommandText = """
                INSERT INTO operations (wrapper, slot, source, operation_type, started_at, ended_at, duration_ms, status,
                    status_code, error_message, error_code, fallback_used, fallback_reason, attempts, version)
                VALUES ($wrapper, $slot, $source, $type, $started, $ended, $duration, $status,
                    $code, $error, $errorCode, $fallback, $fallbackReason, $attempts, $version)
                RETURNING id;
                """;
            string[] names = ["$wrapper", "$slot", "$source", "$type", "$started", "$ended", "$duration", "$status", "$code", "$error", "$errorCode", "$fallback", "$fallbackReason", "$attempts", "$version"];
            foreach (var n in names)
            {
                op.Parameters.Add(new SqliteParameter(n, null));
            }

            await using var at = c.CreateCommand();
            at.Transaction = tx;
            at.CommandText = """
                INSERT INTO probe_attempts (operation_id, attempt, started_at, duration_ms, outcome, status_code, error)
                VALUES ($id, $n, $started, $duration, $outcome, $code, $error);
                """;
            foreach (var n in new[] { "$id", "$n", "$started", "$duration", "$outcome", "$code", "$error" })
            {
                at.Parameters.Add(new SqliteParameter(n, null));
            }

            // series (each wrapper and slot with its newest probe) is kept by a trigger of the store (migration 9).
            SqliteHealthFunctions.Register(c);
            foreach (var r in records)
            {
                object?[] values =
                [
                    r.Wrapper, r.Slot, r.Source.ToString().ToLowerInvariant(), r.OperationType, r.StartedAt.ToUnixTimeMilliseconds(),
                    r.EndedAt?.ToUnixTimeMilliseconds(), r.DurationMs, r.Status.ToString().ToLowerInvariant(), r.StatusCode,
                    r.ErrorMessage, r.ErrorCode, r.FallbackUsed ? 1 : 0, r.FallbackReason, r.Attempts, r.Version,
                ];
                for (var i = 0; i < values.Length; i++)
                {
                    op.Parameters[i].Value = values[i] ?? DBNull.Value;
                }

                var id = (long)(await op.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
                foreach (var a in r.AttemptDetails)
                {
                    object?[] av = [id, a.Number, a.StartedAt.ToUnixTimeMilliseconds(), a.DurationMs, a.Outcome.ToString(), a.StatusCode, a.Error];
                    for (var i = 0; i < av.Length; i++)
                    {
                        at.Parameters[i].Value = av[i] ?? DBNull.Value;
                    }

                    await at.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                saved.Add(r with { Id = id });
            }

            // The probes' hourly rollup, in the same transaction, so it is never behind the records.
            var hours = new Dictionary<(string, string, long), TrafficAggregate>();
            foreach (var r in records.Where(r => r.Source == OperationSource.Probe && r.Status != OperationStatus.Started))
            {
                BucketOf(hours, r.Wrapper, r.Slot, AlignDown(r.StartedAt.ToUnixTimeMilliseconds(), Probes.WidthsMs[1])).Record(r);
            }

            await UpsertAsync(c, tx, Probes.Tables[1], Probes.WidthsMs[1], [.. hours.Values], ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return saved;
        }, cancellationToken);

    public Task<IReadOnlyList<OperationRecord>> GetAsync(OperationQuery query, CancellationToken cancellationToken) =>
        store.RunAsync((c, ct) => InSnapshotAsync(c, () => ReadOperationsAsync(c, query, ct), ct), cancellationToken);

    private static async Task<IReadOnlyList<OperationRecord>> ReadOperationsAsync(SqliteConnection c, OperationQuery query, CancellationToken ct)
    {
        var list = new List<OperationRecord>();
        var source = query.Source?.ToString().ToLowerInvariant();
        await using var cmd = c.CreateCommand();
        cmd.Parameters.AddWithValue("$since", query.Since.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$until", query.Until.ToUnixTimeMilliseconds());
        if (source is not null)
        {
            cmd.Parameters.AddWithValue("$source", source);
        }

        var pairs = await PairsAsync(c, query.Wrapper, query.Slot, ct).ConfigureAwait(false);
        if (pairs is null)
        {
            cmd.CommandText = HealthSql.OperationsInRange(source is not null);
            await ReadOperationRowsAsync(cmd, list, ct).ConfigureAwait(false);
        }
        else
        {
            // One index range per wrapper and slot: (source,) wrapper, slot, started_at.
            cmd.CommandText = HealthSql.OperationsOfPair(source is not null);
            var w = cmd.Parameters.AddWithValue("$wrapper", string.Empty);
            var s = cmd.Parameters.AddWithValue("$slot", string.Empty);
            foreach (var (wrapper, slot) in pairs)
            {
                (w.Value, s.Value) = (wrapper, slot);
                await ReadOperationRowsAsync(cmd, list, ct).ConfigureAwait(false);
            }

            if (pairs.Count > 1)
            {
                list.Sort((x, y) => x.StartedAt != y.StartedAt ? x.StartedAt.CompareTo(y.StartedAt) : x.Id.CompareTo(y.Id));
            }
        }

        if (query.IncludeAttempts && list.Count > 0)
        {
            var byId = list.Select((o, i) => (o.Id, i)).ToDictionary(x => x.Id, x => x.i);
            var attempts = new Dictionary<long, List<ProbeAttempt>>();
            await using var a = c.CreateCommand();
            // By the primary key: the operations' id range, then only the ids read above.
            a.CommandText = HealthSql.AttemptsOfIds;
            a.Parameters.AddWithValue("$min", list.Min(o => o.Id));
            a.Parameters.AddWithValue("$max", list.Max(o => o.Id));
            await using var r = await a.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                var id = r.GetInt64(0);
                if (!byId.ContainsKey(id))
                {
                    continue;
                }

                if (!attempts.TryGetValue(id, out var l))
                {
                    attempts[id] = l = [];
                }

                l.Add(new ProbeAttempt(r.GetInt32(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), r.GetDouble(3),
                    Enum.Parse<ProbeAttemptOutcome>(r.GetString(4)), r.IsDBNull(5) ? null : r.GetInt32(5), r.IsDBNull(6) ? null : r.GetString(6)));
            }

            foreach (var (id, l) in attempts)
            {
                list[byId[id]] = list[byId[id]] with { AttemptDetails = l };
            }
        }

        return list;
    }

    public Task<IReadOnlyDictionary<(string Wrapper, string Slot), DateTimeOffset>> GetLastProbeTimesAsync(CancellationToken cancellationToken) =>
        store.RunAsync<IReadOnlyDictionary<(string Wrapper, string Slot), DateTimeOffset>>(async (c, ct) =>
        {
            // Kept as probes are written: one row per wrapper and slot, never a walk over the probes.
            var result = new Dictionary<(string, string), DateTimeOffset>();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = HealthSql.LastProbes;
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                result[(r.GetString(0), r.GetString(1))] = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2));
            }

            return result;
        }, cancellationToken);

    public Task AddTrafficAsync(IReadOnlyList<TrafficAggregate> aggregates, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            // Histograms add up inside the upsert, so a bucket that two gateways (or two flushes) fill holds both.
            SqliteHealthFunctions.Register(c);
            await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            // The per-second rows as written, then the same traffic added to its minute and its hour in the same
            // transaction, so the rollups are never behind. A batch (a minute of flushes at most) is merged per pair
            // and bucket first: one upsert per minute and hour instead of one per second.
            await UpsertAsync(c, tx, "traffic_aggregates", (long)TrafficAggregate.BucketWidth.TotalMilliseconds, aggregates, ct).ConfigureAwait(false);
            for (var level = 1; level < Traffic.Tables.Length; level++)
            {
                var width = Traffic.WidthsMs[level];
                var merged = new Dictionary<(string, string, long), TrafficAggregate>();
                foreach (var a in aggregates)
                {
                    BucketOf(merged, a.Wrapper, a.Slot, AlignDown(a.BucketStart.ToUnixTimeMilliseconds(), width)).Add(a);
                }

                await UpsertAsync(c, tx, Traffic.Tables[level], width, [.. merged.Values], ct).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    public Task<IReadOnlyList<TrafficAggregate>> GetTrafficAsync(TrafficQuery query, CancellationToken cancellationToken) =>
        store.RunAsync((c, ct) => InSnapshotAsync(c, () => ReadAggregatesAsync(c, Traffic, query, ct), ct), cancellationToken);

    public Task<IReadOnlyList<TrafficAggregate>> GetProbeTrafficAsync(TrafficQuery query, CancellationToken cancellationToken) =>
        store.RunAsync((c, ct) => InSnapshotAsync(c, () => ReadAggregatesAsync(c, Probes, query, ct), ct), cancellationToken);

    /// <summary>
    /// Runs a read of several statements (the marks, the pairs, each table of the plan, the attempts) in one deferred
    /// transaction: in WAL mode every statement then sees the same snapshot, so a write or a prune that commits between
    /// two of them cannot make the answer count a bucket twice or miss it. The transaction only reads, and is rolled back.
    /// </summary>
    private static async Task<T> InSnapshotAsync<T>(SqliteConnection c, Func<Task<T>> read, CancellationToken ct)
    {
        await SqliteStateStore.Exec(c, "BEGIN DEFERRED;", ct).ConfigureAwait(false);
        try
        {
            return await read().ConfigureAwait(false);
        }
        finally
        {
            // Not cancellable: the connection goes back to the pool and must not keep a transaction open. SQLite may
            // have ended it already (a failed statement); then there is nothing to roll back and the failure stands.
            try
            {
                await SqliteStateStore.Exec(c, "ROLLBACK;", CancellationToken.None).ConfigureAwait(false);
            }
            catch (SqliteException) when (c.State == System.Data.ConnectionState.Open)
            {
            }
        }
    }

    /// <summary>
    /// A read of one family of history, merged per wrapper, slot and step, each part from the table
    /// <see cref="PlanRead"/> picks; the finest resolution of probes is the records themselves, counted as aggregates.
    /// </summary>
    private static async Task<IReadOnlyList<TrafficAggregate>> ReadAggregatesAsync(SqliteConnection c, HistoryFamily family, TrafficQuery query, CancellationToken ct)
    {
        var origin = (query.Origin ?? query.Since).ToUnixTimeMilliseconds();
        var stepMs = query.Step is { } step ? Math.Max(1, (long)step.TotalMilliseconds) : 0;
        var merged = new Dictionary<(string, string, long), TrafficAggregate>();
        TrafficAggregate Group(string wrapper, string slot, long start) =>
            BucketOf(merged, wrapper, slot, stepMs == 0 ? origin : origin + ((long)Math.Floor((start - origin) / (double)stepMs) * stepMs));

        void Read(SqliteDataReader r) => AddRow(Group(r.GetString(0), r.GetString(1), r.GetInt64(2)), r);

        var wholeFrom = await WholeFromAsync(c, family, ct).ConfigureAwait(false);
        var plan = PlanRead(query.Since.ToUnixTimeMilliseconds(), query.Until.ToUnixTimeMilliseconds(), origin, stepMs, family.WidthsMs, wholeFrom);
        if (plan.Count == 0)
        {
            return [];
        }

        var pairs = await PairsAsync(c, query.Wrapper, query.Slot, ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        var since = cmd.Parameters.AddWithValue("$since", 0L);
        var until = cmd.Parameters.AddWithValue("$until", 0L);
        foreach (var (resolution, from, to) in plan)
        {
            if (family == Probes && resolution == 0)
            {
                var records = await ReadOperationsAsync(c, new OperationQuery(DateTimeOffset.FromUnixTimeMilliseconds(from), DateTimeOffset.FromUnixTimeMilliseconds(to))
                {
                    Wrapper = query.Wrapper,
                    Slot = query.Slot,
                    Source = OperationSource.Probe,
                }, ct).ConfigureAwait(false);
                foreach (var r in records)
                {
                    Group(r.Wrapper, r.Slot, r.StartedAt.ToUnixTimeMilliseconds()).Record(r);
                }

                continue;
            }

            (since.Value, until.Value) = (from, to);
            var table = family.Tables[resolution];
            if (pairs is null)
            {
                cmd.CommandText = HealthSql.AggregatesInRange(table);
                await ReadAllAsync(cmd, Read, ct).ConfigureAwait(false);
                continue;
            }

            // One primary-key range per wrapper and slot: (wrapper, slot, bucket_start).
            cmd.CommandText = HealthSql.AggregatesOfPair(table);
            var w = cmd.Parameters.AddWithValue("$wrapper", string.Empty);
            var s = cmd.Parameters.AddWithValue("$slot", string.Empty);
            foreach (var (wrapper, slot) in pairs)
            {
                (w.Value, s.Value) = (wrapper, slot);
                await ReadAllAsync(cmd, Read, ct).ConfigureAwait(false);
            }

            cmd.Parameters.Remove(w);
            cmd.Parameters.Remove(s);
        }

        // A probe with no counted outcome (started only) leaves an empty group behind.
        return merged.Values.Where(a => a.Requests > 0 || family == Traffic)
            .OrderBy(a => a.BucketStart).ThenBy(a => a.Wrapper, StringComparer.Ordinal).ThenBy(a => a.Slot, StringComparer.Ordinal).ToList();
    }

    public Task<int> CountInFlightAsync(CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM operations WHERE status = 'started';";
            return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

    private static async Task UpsertAsync(SqliteConnection c, SqliteTransaction tx, string table, long widthMs, IReadOnlyList<TrafficAggregate> aggregates, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = HealthSql.TrafficUpsert(table);
        string[] names = ["$wrapper", "$slot", "$start", "$bucketMs", "$successes", "$fallbacks", "$errors", "$timeouts", "$cancelled", "$s1", "$s2", "$s3", "$s4", "$s5", "$sum", "$histogram", "$last"];
        foreach (var n in names)
        {
            cmd.Parameters.Add(new SqliteParameter(n, null));
        }

        foreach (var a in aggregates)
        {
            object[] values =
            [
                a.Wrapper, a.Slot, a.BucketStart.ToUnixTimeMilliseconds(), widthMs, a.Successes, a.Fallbacks, a.Errors, a.Timeouts, a.Cancelled,
                a.Status1xx, a.Status2xx, a.Status3xx, a.Status4xx, a.Status5xx, a.LatencySumMs, a.Latency.ToBytes(), a.LastActivity.ToUnixTimeMilliseconds(),
            ];
            for (var i = 0; i < values.Length; i++)
            {
                cmd.Parameters[i].Value = values[i];
            }

            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The wrappers and slots a query names, from <c>series</c>: null when it names neither (then the time index serves),
    /// the one pair when it names both, else the pairs of the one it names.
    /// </summary>
    private static async Task<IReadOnlyList<(string Wrapper, string Slot)>?> PairsAsync(SqliteConnection c, string? wrapper, string? slot, CancellationToken ct)
    {
        if (wrapper is null && slot is null)
        {
            return null;
        }

        if (wrapper is not null && slot is not null)
        {
            return [(wrapper, slot)];
        }

        var pairs = new List<(string, string)>();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = wrapper is not null ? HealthSql.SeriesOfWrapper : HealthSql.SeriesOfSlot;
        cmd.Parameters.AddWithValue(wrapper is not null ? "$wrapper" : "$slot", (wrapper ?? slot)!);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            pairs.Add((r.GetString(0), r.GetString(1)));
        }

        return pairs;
    }

    private static async Task ReadAllAsync(SqliteCommand cmd, Action<SqliteDataReader> read, CancellationToken ct)
    {
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            read(r);
        }
    }

    private static Task ReadOperationRowsAsync(SqliteCommand cmd, List<OperationRecord> list, CancellationToken ct) =>
        ReadAllAsync(cmd, r => list.Add(new OperationRecord
        {
            Id = r.GetInt64(0),
            Wrapper = r.GetString(1),
            Slot = r.GetString(2),
            Source = Enum.Parse<OperationSource>(r.GetString(3), ignoreCase: true),
            OperationType = r.GetString(4),
            StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
            EndedAt = r.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)),
            DurationMs = r.IsDBNull(7) ? null : r.GetDouble(7),
            Status = Enum.Parse<OperationStatus>(r.GetString(8), ignoreCase: true),
            StatusCode = r.IsDBNull(9) ? null : r.GetInt32(9),
            ErrorMessage = r.IsDBNull(10) ? null : r.GetString(10),
            ErrorCode = r.IsDBNull(11) ? null : r.GetString(11),
            FallbackUsed = r.GetInt64(12) != 0,
            FallbackReason = r.IsDBNull(13) ? null : r.GetString(13),
            Attempts = r.GetInt32(14),
            Version = r.IsDBNull(15) ? null : r.GetString(15),
        }), ct);
}
