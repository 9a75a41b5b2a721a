namespace Orchestrator.Ops.Core.State;

/// <summary>
/// Every statement the health store reads with: one shape per access path, with plain equalities on the key columns so
/// the planner takes the index that answers it. SqliteHealthQueryPlanTests runs EXPLAIN QUERY PLAN on each and fails if
/// a hot table is scanned or a pair is read through the time index. A provider of another database (PostgreSQL) serves
/// the same access paths with the same keys.
/// </summary>
internal static class HealthSql
{
    private const string OperationColumns = """
        id, wrapper, slot, source, operation_type, started_at, ended_at, duration_ms, status, status_code,
        error_message, error_code, fallback_used, fallback_reason, attempts, version
        """;

    private const string TrafficColumns = """
        wrapper, slot, bucket_start, successes, fallbacks, errors, timeouts, cancelled,
        status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, latency_sum_ms, latency_histogram, last_activity_at
        """;

    /// <summary>One wrapper and slot over a time range: ix_operations_wrapper_slot_started, or the source-first index with a source.</summary>
    public static string OperationsOfPair(bool withSource) => withSource
        ? $"SELECT {OperationColumns} FROM operations WHERE source = $source AND wrapper = $wrapper AND slot = $slot AND started_at >= $since AND started_at < $until ORDER BY started_at, id;"
        : $"SELECT {OperationColumns} FROM operations WHERE wrapper = $wrapper AND slot = $slot AND started_at >= $since AND started_at < $until ORDER BY started_at, id;";

    /// <summary>Every wrapper and slot over a time range: ix_operations_started.</summary>
    public static string OperationsInRange(bool withSource) => withSource
        ? $"SELECT {OperationColumns} FROM operations INDEXED BY ix_operations_started WHERE started_at >= $since AND started_at < $until AND source = $source ORDER BY started_at, id;"
        : $"SELECT {OperationColumns} FROM operations WHERE started_at >= $since AND started_at < $until ORDER BY started_at, id;";

    /// <summary>The attempts of the operations read, by the primary key's id range.</summary>
    public const string AttemptsOfIds = """
        SELECT operation_id, attempt, started_at, duration_ms, outcome, status_code, error
        FROM probe_attempts WHERE operation_id >= $min AND operation_id <= $max
        ORDER BY operation_id, attempt;
        """;

    /// <summary>One wrapper and slot over a time range: the primary key (wrapper, slot, bucket_start).</summary>
    public const string TrafficOfPair =
        $"SELECT {TrafficColumns} FROM traffic_aggregates WHERE wrapper = $wrapper AND slot = $slot AND bucket_start >= $since AND bucket_start < $until;";

    /// <summary>Every wrapper and slot over a time range: ix_traffic_aggregates_bucket.</summary>
    public const string TrafficInRange =
        $"SELECT {TrafficColumns} FROM traffic_aggregates WHERE bucket_start >= $since AND bucket_start < $until;";

    /// <summary>One wrapper and slot over whole minutes: the primary key of traffic_minutes.</summary>
    public const string MinutesOfPair =
        $"SELECT {TrafficColumns} FROM traffic_minutes WHERE wrapper = $wrapper AND slot = $slot AND bucket_start >= $since AND bucket_start < $until;";

    /// <summary>Every wrapper and slot over whole minutes: ix_traffic_minutes_bucket.</summary>
    public const string MinutesInRange =
        $"SELECT {TrafficColumns} FROM traffic_minutes WHERE bucket_start >= $since AND bucket_start < $until;";

    /// <summary>One wrapper and slot over whole hours: the primary key of traffic_hours.</summary>
    public const string HoursOfPair =
        $"SELECT {TrafficColumns} FROM traffic_hours WHERE wrapper = $wrapper AND slot = $slot AND bucket_start >= $since AND bucket_start < $until;";

    /// <summary>Every wrapper and slot over whole hours: ix_traffic_hours_bucket.</summary>
    public const string HoursInRange =
        $"SELECT {TrafficColumns} FROM traffic_hours WHERE bucket_start >= $since AND bucket_start < $until;";

    /// <summary>
    /// Adds an aggregate to its bucket of one traffic table (traffic_aggregates, traffic_minutes or traffic_hours):
    /// counts add up, histograms merge, the newest activity wins. The sum of two empty histograms (cancelled requests
    /// only) comes back from the function as NULL (SQLite takes a zero-length blob result for NULL), so it is stored as X''.
    /// </summary>
    public static string TrafficUpsert(string table) => $"""
        INSERT INTO {table} (wrapper, slot, bucket_start, bucket_ms, successes, fallbacks, errors, timeouts, cancelled,
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
            latency_histogram = COALESCE({SqliteHealthFunctions.HistogramAdd}(latency_histogram, excluded.latency_histogram), X''),
            last_activity_at = MAX(last_activity_at, excluded.last_activity_at);
        """;

    /// <summary>The slots of one wrapper (the primary key of series).</summary>
    public const string SeriesOfWrapper = "SELECT wrapper, slot FROM series WHERE wrapper = $wrapper ORDER BY wrapper, slot;";

    /// <summary>The wrappers of one slot (series is one row per wrapper and slot: a few hundred at most).</summary>
    public const string SeriesOfSlot = "SELECT wrapper, slot FROM series WHERE slot = $slot ORDER BY wrapper, slot;";

    /// <summary>The newest probe of each wrapper and slot, kept in series as probes are written.</summary>
    public const string LastProbes = "SELECT wrapper, slot, last_probe_at FROM series WHERE last_probe_at IS NOT NULL;";
}
