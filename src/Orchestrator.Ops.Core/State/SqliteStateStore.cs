using System.Data;
using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.State;

/// <summary>
/// The embedded store: one SQLite file under the ops root, in WAL mode with a busy timeout, so several
/// pwsh sessions and the service can share it. Every write is a transaction.
/// </summary>
public sealed class SqliteStateStore : IStateStore, IHealthStore, ISettingsStore
{
    private const string HistogramAddFunction = "ops_latency_histogram_add";

    private readonly string _connectionString;
    private readonly TimeSpan _busyTimeout;
    private readonly TimeProvider _time;

    private SqliteStateStore(string path, TimeSpan busyTimeout, TimeProvider time)
    {
        Alerts = new SqliteAlertStore(this);
        Deployment = new SqliteDeploymentStore(this, time);
        Secrets = new SqliteSecretStore(this, time);
        Location = path;
        _busyTimeout = busyTimeout;
        _time = time;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        }.ToString();
    }

    public string Location { get; }

    public IHealthStore Health => this;

    public ISettingsStore Settings => this;

    public IAlertStore Alerts { get; }

    public IDeploymentStore Deployment { get; }

    public ISecretStore Secrets { get; }

    /// <summary>Opens (creating if needed) the store and brings its schema up to date.</summary>
    public static Task<SqliteStateStore> OpenAsync(string path, TimeSpan busyTimeout, TimeProvider time, CancellationToken cancellationToken) =>
        OpenAsync(path, busyTimeout, time, SqliteMigrations.All, cancellationToken);

    internal static async Task<SqliteStateStore> OpenAsync(
        string path, TimeSpan busyTimeout, TimeProvider time, IReadOnlyList<SqliteMigration> migrations, CancellationToken cancellationToken)
    {
        path = System.IO.Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StateStoreException(path, StateStoreFailure.Unavailable,
                $"The state store folder for '{path}' cannot be created: {ex.Message}", ex);
        }

        var store = new SqliteStateStore(path, busyTimeout, time);
        await store.RunAsync(async (c, ct) =>
        {
            await Exec(c, "PRAGMA journal_mode = WAL;", ct).ConfigureAwait(false);
            await store.MigrateAsync(c, migrations, ct).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        return store;
    }

    public Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken) =>
        RunAsync((c, ct) => ReadVersion(c, ct), cancellationToken);

    private async Task MigrateAsync(SqliteConnection c, IReadOnlyList<SqliteMigration> migrations, CancellationToken ct)
    {
        await Exec(c, """
            CREATE TABLE IF NOT EXISTS schema_version (
                version     INTEGER PRIMARY KEY,
                description TEXT    NOT NULL,
                applied_at  INTEGER NOT NULL
            );
            """, ct).ConfigureAwait(false);

        var current = await ReadVersion(c, ct).ConfigureAwait(false);
        var newest = migrations.Count == 0 ? 0 : migrations.Max(m => m.Version);
        if (current > newest)
        {
            throw new StateStoreException(Location, StateStoreFailure.TooNew,
                $"The state store '{Location}' is at schema version {current}, newer than this version of Orchestrator.Ops knows ({newest}). Update the module; the store was not changed.");
        }

        foreach (var m in migrations.Where(m => m.Version > current).OrderBy(m => m.Version))
        {
            // BEGIN IMMEDIATE takes the write lock first, so two processes opening a fresh store
            // at once cannot both apply the same migration.
            await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(IsolationLevel.Serializable, ct).ConfigureAwait(false);
            var again = await ReadVersion(c, ct, tx).ConfigureAwait(false);
            if (again >= m.Version)
            {
                await tx.RollbackAsync(ct).ConfigureAwait(false);
                continue;
            }

            await Exec(c, m.Sql, ct, tx).ConfigureAwait(false);
            await using (var cmd = c.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT INTO schema_version (version, description, applied_at) VALUES ($v, $d, $t);";
                cmd.Parameters.AddWithValue("$v", m.Version);
                cmd.Parameters.AddWithValue("$d", m.Description);
                cmd.Parameters.AddWithValue("$t", _time.GetUtcNow().ToUnixTimeMilliseconds());
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
    }

    private static async Task<int> ReadVersion(SqliteConnection c, CancellationToken ct, SqliteTransaction? tx = null)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version;";
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<IReadOnlyList<OperationRecord>> AddAsync(IReadOnlyList<OperationRecord> records, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<OperationRecord>>(async (c, ct) =>
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

            await tx.CommitAsync(ct).ConfigureAwait(false);
            return saved;
        }, cancellationToken);

    public Task<IReadOnlyList<OperationRecord>> GetAsync(OperationQuery query, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<OperationRecord>>(async (c, ct) =>
        {
            var list = new List<OperationRecord>();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                SELECT id, wrapper, slot, source, operation_type, started_at, ended_at, duration_ms, status, status_code,
                       error_message, error_code, fallback_used, fallback_reason, attempts, version
                FROM operations
                WHERE started_at >= $since AND started_at < $until
                  AND ($wrapper IS NULL OR wrapper = $wrapper)
                  AND ($slot IS NULL OR slot = $slot)
                  AND ($source IS NULL OR source = $source)
                ORDER BY started_at, id;
                """;
            cmd.Parameters.AddWithValue("$since", query.Since.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$until", query.Until.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$wrapper", (object?)query.Wrapper ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$slot", (object?)query.Slot ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$source", (object?)query.Source?.ToString().ToLowerInvariant() ?? DBNull.Value);
            await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    list.Add(new OperationRecord
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
                    });
                }
            }

            if (query.IncludeAttempts && list.Count > 0)
            {
                var byId = list.Select((o, i) => (o.Id, i)).ToDictionary(x => x.Id, x => x.i);
                var attempts = new Dictionary<long, List<ProbeAttempt>>();
                await using var a = c.CreateCommand();
                a.CommandText = """
                    SELECT pa.operation_id, pa.attempt, pa.started_at, pa.duration_ms, pa.outcome, pa.status_code, pa.error
                    FROM probe_attempts pa JOIN operations o ON o.id = pa.operation_id
                    WHERE o.started_at >= $since AND o.started_at < $until
                    ORDER BY pa.operation_id, pa.attempt;
                    """;
                a.Parameters.AddWithValue("$since", query.Since.ToUnixTimeMilliseconds());
                a.Parameters.AddWithValue("$until", query.Until.ToUnixTimeMilliseconds());
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
        RunAsync<IReadOnlyDictionary<(string Wrapper, string Slot), DateTimeOffset>>(async (c, ct) =>
        {
            var result = new Dictionary<(string, string), DateTimeOffset>();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT wrapper, slot, MAX(started_at) FROM operations WHERE source = 'probe' GROUP BY wrapper, slot;";
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                result[(r.GetString(0), r.GetString(1))] = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2));
            }

            return result;
        }, cancellationToken);

    public Task AddTrafficAsync(IReadOnlyList<TrafficAggregate> aggregates, CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
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
        RunAsync<IReadOnlyList<TrafficAggregate>>(async (c, ct) =>
        {
            var origin = (query.Origin ?? query.Since).ToUnixTimeMilliseconds();
            var stepMs = query.Step is { } step ? Math.Max(1, (long)step.TotalMilliseconds) : 0;
            var merged = new Dictionary<(string, string, long), TrafficAggregate>();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                SELECT wrapper, slot, bucket_start, successes, fallbacks, errors, timeouts, cancelled,
                       status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, latency_sum_ms, latency_histogram, last_activity_at
                FROM traffic_aggregates
                WHERE bucket_start >= $since AND bucket_start < $until
                  AND ($wrapper IS NULL OR wrapper = $wrapper)
                  AND ($slot IS NULL OR slot = $slot);
                """;
            cmd.Parameters.AddWithValue("$since", query.Since.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$until", query.Until.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$wrapper", (object?)query.Wrapper ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$slot", (object?)query.Slot ?? DBNull.Value);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
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

            return merged.Values.OrderBy(a => a.BucketStart).ThenBy(a => a.Wrapper, StringComparer.Ordinal).ThenBy(a => a.Slot, StringComparer.Ordinal).ToList();
        }, cancellationToken);

    public Task<int> CountInFlightAsync(CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM operations WHERE status = 'started';";
            return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

    public Task<(int Operations, int TrafficBuckets)> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
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

    Task<string?> ISettingsStore.GetAsync(string key, CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT value FROM settings WHERE key = $k;";
            cmd.Parameters.AddWithValue("$k", key);
            return (string?)await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    Task ISettingsStore.SetAsync(string key, string value, CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                INSERT INTO settings (key, value, updated_at) VALUES ($k, $v, $t)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;
                """;
            cmd.Parameters.AddWithValue("$k", key);
            cmd.Parameters.AddWithValue("$v", value);
            cmd.Parameters.AddWithValue("$t", _time.GetUtcNow().ToUnixTimeMilliseconds());
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    public ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release them so the file can be moved or backed up.
        using var c = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(c);
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs work on an open connection, turning SQLite's failures into <see cref="StateStoreException"/>.</summary>
    internal async Task<T> RunAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        try
        {
            await using var c = new SqliteConnection(_connectionString);
            await c.OpenAsync(ct).ConfigureAwait(false);
            await Exec(c, $"PRAGMA busy_timeout = {(int)_busyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON;", ct).ConfigureAwait(false);
            return await work(c, ct).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6)
        {
            throw new StateStoreException(Location, StateStoreFailure.Locked,
                $"The state store '{Location}' is locked by another process and stayed locked for {_busyTimeout.TotalSeconds:0.#} s. Nothing was changed; try again, or find the process holding it (fuser '{Location}').", ex);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 11 or 26)
        {
            throw new StateStoreException(Location, StateStoreFailure.Corrupt,
                $"The state store '{Location}' is not a valid SQLite database ({ex.Message.TrimEnd('.')}). It was left untouched: move it aside or restore it from a backup.", ex);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 14 or 8 or 23)
        {
            throw new StateStoreException(Location, StateStoreFailure.Unavailable,
                $"The state store '{Location}' cannot be opened for writing ({ex.Message.TrimEnd('.')}). Check the file's permissions and free disk space.", ex);
        }
    }

    private static async Task Exec(SqliteConnection c, string sql, CancellationToken ct, SqliteTransaction? tx = null)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
