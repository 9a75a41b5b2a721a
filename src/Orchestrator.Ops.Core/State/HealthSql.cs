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
    public static readonly string TrafficOfPair = AggregatesOfPair("traffic_aggregates");

    /// <summary>Every wrapper and slot over a time range: ix_traffic_aggregates_bucket.</summary>
    public static readonly string TrafficInRange = AggregatesInRange("traffic_aggregates");

    /// <summary>One wrapper and slot over whole minutes: the primary key of traffic_minutes.</summary>
    public static readonly string MinutesOfPair = AggregatesOfPair("traffic_minutes");

    /// <summary>Every wrapper and slot over whole minutes: ix_traffic_minutes_bucket.</summary>
    public static readonly string MinutesInRange = AggregatesInRange("traffic_minutes");

    /// <summary>One wrapper and slot over whole hours: the primary key of traffic_hours.</summary>
    public static readonly string HoursOfPair = AggregatesOfPair("traffic_hours");

    /// <summary>Every wrapper and slot over whole hours: ix_traffic_hours_bucket.</summary>
    public static readonly string HoursInRange = AggregatesInRange("traffic_hours");

    /// <summary>One wrapper and slot's probes over whole hours: the primary key of probe_hours.</summary>
    public static readonly string ProbeHoursOfPair = AggregatesOfPair("probe_hours");

    /// <summary>Every wrapper and slot's probes over whole hours: ix_probe_hours_bucket.</summary>
    public static readonly string ProbeHoursInRange = AggregatesInRange("probe_hours");

    /// <summary>One aggregate table (traffic_aggregates, a traffic rollup or probe_hours), one pair, by its primary key.</summary>
    public static string AggregatesOfPair(string table) =>
        $"SELECT {TrafficColumns} FROM {table} WHERE wrapper = $wrapper AND slot = $slot AND bucket_start >= $since AND bucket_start < $until;";

    /// <summary>One aggregate table, every pair, by its bucket index.</summary>
    public static string AggregatesInRange(string table) =>
        $"SELECT {TrafficColumns} FROM {table} WHERE bucket_start >= $since AND bucket_start < $until;";

    /// <summary>What each history table holds whole (a handful of rows, one per table with a mark).</summary>
    public const string Marks = "SELECT name, built_from, pruned_before FROM history_marks;";

    /// <summary>Raises a table's pruned_before mark (never lowers it): set before the rows go, so no reader takes it whole meanwhile.</summary>
    public const string MarkPruned = """
        INSERT INTO history_marks (name, pruned_before) VALUES ($name, $before)
        ON CONFLICT (name) DO UPDATE SET pruned_before = MAX(COALESCE(pruned_before, excluded.pruned_before), excluded.pruned_before);
        """;

    /// <summary>One batch of an aggregate table's oldest buckets, by its bucket index.</summary>
    public static string PruneAggregates(string table) => $"""
        DELETE FROM {table} WHERE (wrapper, slot, bucket_start) IN
            (SELECT wrapper, slot, bucket_start FROM {table} WHERE bucket_start < $before ORDER BY bucket_start LIMIT $batch);
        """;

    /// <summary>One batch of the oldest finished operations (their attempts go with them), by ix_operations_started.</summary>
    public const string PruneOperations = """
        DELETE FROM operations WHERE id IN
            (SELECT id FROM operations WHERE started_at < $before AND status <> 'started' ORDER BY started_at LIMIT $batch);
        """;

    /// <summary>
    /// The lowest id of the operations that started at or after a cutoff (ix_operations_started, covering: it holds the
    /// id): attempts of lower ids belong to older probes, even when a record was written late.
    /// </summary>
    public const string FirstOperationSince = "SELECT MIN(id) FROM operations INDEXED BY ix_operations_started WHERE started_at >= $before;";

    /// <summary>One batch of probe attempts, by the primary key's operation id range.</summary>
    public const string PruneAttempts = "DELETE FROM probe_attempts WHERE operation_id >= $min AND operation_id < $max;";

    /// <summary>The oldest operation that still has attempts.</summary>
    public const string FirstAttempt = "SELECT MIN(operation_id) FROM probe_attempts;";

    /// <summary>Pairs with no history left at any resolution (series is small; each check is a primary-key probe).</summary>
    public const string PruneSeries = """
        DELETE FROM series WHERE
            NOT EXISTS (SELECT 1 FROM operations o WHERE o.wrapper = series.wrapper AND o.slot = series.slot)
            AND NOT EXISTS (SELECT 1 FROM traffic_aggregates t WHERE t.wrapper = series.wrapper AND t.slot = series.slot)
            AND NOT EXISTS (SELECT 1 FROM traffic_minutes t WHERE t.wrapper = series.wrapper AND t.slot = series.slot)
            AND NOT EXISTS (SELECT 1 FROM traffic_hours t WHERE t.wrapper = series.wrapper AND t.slot = series.slot)
            AND NOT EXISTS (SELECT 1 FROM probe_hours p WHERE p.wrapper = series.wrapper AND p.slot = series.slot);
        """;

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
