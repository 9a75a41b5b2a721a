using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.State;

/// <summary>
/// The health tables of the SQLite store: probe and request operations with their attempts, the per-second traffic
/// aggregates, and <c>series</c>, one row per wrapper and slot with its newest probe. Every read takes one access path of
/// <see cref="HealthSql"/>, each of which a test checks uses its index: a wrapper and slot by their keys, everything in a
/// time range by the time index, never a filter the planner cannot use.
/// </summary>
internal sealed class SqliteHealthStore(SqliteStateStore store) : IHealthStore
{
    private const string HistogramAddFunction = "ops_latency_histogram_add";

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

            await using var series = SeriesUpsert(c, tx);
            foreach (var r in records)
            {
                series.Parameters[0].Value = r.Wrapper;
                series.Parameters[1].Value = r.Slot;
                series.Parameters[2].Value = r.Source == OperationSource.Probe ? r.StartedAt.ToUnixTimeMilliseconds() : DBNull.Value;
                await series.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
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

            await tx.CommitAsync(ct).ConfigureAwait(false);
            return saved;
        }, cancellationToken);

    public Task<IReadOnlyList<OperationRecord>> GetAsync(OperationQuery query, CancellationToken cancellationToken) =>
        store.RunAsync<IReadOnlyList<OperationRecord>>(async (c, ct) =>
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
                await ReadOperationsAsync(cmd, list, ct).ConfigureAwait(false);
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
                    await ReadOperationsAsync(cmd, list, ct).ConfigureAwait(false);
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
        }, cancellationToken);

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
            c.CreateFunction<byte[], byte[], byte[]>(HistogramAddFunction, (a, b) => LatencyHistogram.AddEncoded(a, b), isDeterministic: true);
            await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = $"""
                INSERT INTO traffic_aggregates (wrapper, slot, bucket_start, bucket_ms, successes, fallbacks, errors, timeouts, cancelled,
                    status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, latency_sum_ms, latency_histogram, last_activity_at)
                VALUES ($wrapper, $slot, $start, $bucketMs, $successes, $fallbacks, $errors, $timeouts, $cancelled,
                    $s1, $s2, $s3, $s4, $s5, $sum, $histogram, $last)
                ON CONFLICT (wrapper, slot, bucket_start) DO UPDATE SET
                    bucket_ms = MAX(bucket_ms, excluded.bucket_ms),
                    successes = successes + excluded.successes,
                    fallbacks = fallbacks + excluded.fallbacks,
                    errors = errors + excluded.errors,
                    timeouts = timeouts + excluded.timeouts,
                    cancelled = cancelled + excluded.cancelled,
                    status_1xx = status_1xx + excluded.status_1xx,
                    status_2xx = status_2xx + excluded.status_2xx,
                    status_3xx = status_3xx + excluded.status_3xx,
                    status_4xx = status_4xx + excluded.status_4xx,
                    status_5xx = status_5xx + excluded.status_5xx,
                    latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms,
                    latency_histogram = {HistogramAddFunction}(latency_histogram, excluded.latency_histogram),
                    last_activity_at = MAX(last_activity_at, excluded.last_activity_at);
                """;
            string[] names = ["$wrapper", "$slot", "$start", "$bucketMs", "$successes", "$fallbacks", "$errors", "$timeouts", "$cancelled", "$s1", "$s2", "$s3", "$s4", "$s5", "$sum", "$histogram", "$last"];
            foreach (var n in names)
            {
                cmd.Parameters.Add(new SqliteParameter(n, null));
            }

            await using var series = SeriesUpsert(c, tx);
            series.Parameters[2].Value = DBNull.Value;
            foreach (var (wrapper, slot) in aggregates.Select(a => (a.Wrapper, a.Slot)).Distinct())
            {
                series.Parameters[0].Value = wrapper;
                series.Parameters[1].Value = slot;
                await series.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            foreach (var a in aggregates)
            {
                object[] values =
                [
                    a.Wrapper, a.Slot, a.BucketStart.ToUnixTimeMilliseconds(), (long)TrafficAggregate.BucketWidth.TotalMilliseconds, a.Successes, a.Fallbacks, a.Errors, a.Timeouts, a.Cancelled,
                    a.Status1xx, a.Status2xx, a.Status3xx, a.Status4xx, a.Status5xx, a.LatencySumMs, a.Latency.ToBytes(), a.LastActivity.ToUnixTimeMilliseconds(),
                ];
                for (var i = 0; i < values.Length; i++)
                {
                    cmd.Parameters[i].Value = values[i];
                }

                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    public Task<IReadOnlyList<TrafficAggregate>> GetTrafficAsync(TrafficQuery query, CancellationToken cancellationToken) =>
        store.RunAsync<IReadOnlyList<TrafficAggregate>>(async (c, ct) =>
        {
            var origin = (query.Origin ?? query.Since).ToUnixTimeMilliseconds();
            var stepMs = query.Step is { } step ? Math.Max(1, (long)step.TotalMilliseconds) : 0;
            var merged = new Dictionary<(string, string, long), TrafficAggregate>();
            void Read(SqliteDataReader r)
            {
                var (wrapper, slot, start) = (r.GetString(0), r.GetString(1), r.GetInt64(2));
                var group = stepMs == 0 ? origin : origin + ((long)Math.Floor((start - origin) / (double)stepMs) * stepMs);
                if (!merged.TryGetValue((wrapper, slot, group), out var a))
                {
                    merged[(wrapper, slot, group)] = a = new TrafficAggregate(wrapper, slot, DateTimeOffset.FromUnixTimeMilliseconds(group));
                }

                a.AddStored(r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7),
                    r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12), r.GetDouble(13),
                    DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(15)));
                a.Latency.AddEncoded((byte[])r.GetValue(14));
            }

            await using var cmd = c.CreateCommand();
            cmd.Parameters.AddWithValue("$since", query.Since.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$until", query.Until.ToUnixTimeMilliseconds());
            var pairs = await PairsAsync(c, query.Wrapper, query.Slot, ct).ConfigureAwait(false);
            if (pairs is null)
            {
                cmd.CommandText = HealthSql.TrafficInRange;
                await ReadAllAsync(cmd, Read, ct).ConfigureAwait(false);
            }
            else
            {
                // One primary-key range per wrapper and slot: (wrapper, slot, bucket_start).
                cmd.CommandText = HealthSql.TrafficOfPair;
                var w = cmd.Parameters.AddWithValue("$wrapper", string.Empty);
                var s = cmd.Parameters.AddWithValue("$slot", string.Empty);
                foreach (var (wrapper, slot) in pairs)
                {
                    (w.Value, s.Value) = (wrapper, slot);
                    await ReadAllAsync(cmd, Read, ct).ConfigureAwait(false);
                }
            }

            return merged.Values.OrderBy(a => a.BucketStart).ThenBy(a => a.Wrapper, StringComparer.Ordinal).ThenBy(a => a.Slot, StringComparer.Ordinal).ToList();
        }, cancellationToken);

    public Task<int> CountInFlightAsync(CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM operations WHERE status = 'started';";
            return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

    public Task<(int Operations, int TrafficBuckets)> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using var ops = c.CreateCommand();
            ops.Transaction = tx;
            ops.CommandText = "DELETE FROM operations WHERE started_at < $before AND status <> 'started';";
            ops.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            var operations = await ops.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await using var traffic = c.CreateCommand();
            traffic.Transaction = tx;
            traffic.CommandText = "DELETE FROM traffic_aggregates WHERE bucket_start < $before;";
            traffic.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            var buckets = await traffic.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return (operations, buckets);
        }, cancellationToken);

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

    /// <summary>The command that records a wrapper and slot in <c>series</c>, keeping the newest probe time ($probe may be null).</summary>
    private static SqliteCommand SeriesUpsert(SqliteConnection c, SqliteTransaction tx)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = HealthSql.SeriesUpsert;
        cmd.Parameters.Add(new SqliteParameter("$wrapper", null));
        cmd.Parameters.Add(new SqliteParameter("$slot", null));
        cmd.Parameters.Add(new SqliteParameter("$probe", null));
        return cmd;
    }

    private static async Task ReadAllAsync(SqliteCommand cmd, Action<SqliteDataReader> read, CancellationToken ct)
    {
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            read(r);
        }
    }

    private static Task ReadOperationsAsync(SqliteCommand cmd, List<OperationRecord> list, CancellationToken ct) =>
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
