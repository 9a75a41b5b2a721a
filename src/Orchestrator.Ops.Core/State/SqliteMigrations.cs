namespace Orchestrator.Ops.Core.State;

/// <summary>
/// The SQLite schema, as numbered migrations applied in order inside one transaction each.
/// Append new migrations; never edit one that has shipped.
/// </summary>
public static class SqliteMigrations
{
    public static IReadOnlyList<SqliteMigration> All { get; } =
    [
        new(1, "operations, probe attempts and settings", """
            CREATE TABLE operations (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                wrapper         TEXT    NOT NULL,
                slot            TEXT    NOT NULL,
                source          TEXT    NOT NULL,
                operation_type  TEXT    NOT NULL,
                started_at      INTEGER NOT NULL,
                ended_at        INTEGER,
                duration_ms     REAL,
                status          TEXT    NOT NULL,
                status_code     INTEGER,
                error_message   TEXT,
                error_code      TEXT,
                fallback_used   INTEGER NOT NULL DEFAULT 0,
                fallback_reason TEXT,
                attempts        INTEGER NOT NULL DEFAULT 1,
                version         TEXT
            );
            CREATE INDEX ix_operations_wrapper_slot_started ON operations (wrapper, slot, started_at);
            CREATE INDEX ix_operations_started ON operations (started_at);
            CREATE INDEX ix_operations_in_flight ON operations (status) WHERE status = 'started';
            CREATE TABLE probe_attempts (
                operation_id INTEGER NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
                attempt      INTEGER NOT NULL,
                started_at   INTEGER NOT NULL,
                duration_ms  REAL    NOT NULL,
                outcome      TEXT    NOT NULL,
                status_code  INTEGER,
                error        TEXT,
                PRIMARY KEY (operation_id, attempt)
            );
            CREATE TABLE settings (
                key        TEXT PRIMARY KEY,
                value      TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            );
            """),
        new(2, "probe lookup by source", """
            CREATE INDEX ix_operations_source_wrapper_slot_started ON operations (source, wrapper, slot, started_at);
            """),
        new(3, "alerts", """
            CREATE TABLE alerts (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                rule            TEXT    NOT NULL,
                severity        TEXT    NOT NULL,
                state           TEXT    NOT NULL,
                wrapper         TEXT    NOT NULL,
                slot            TEXT    NOT NULL,
                value           REAL    NOT NULL,
                threshold       REAL    NOT NULL,
                message         TEXT    NOT NULL,
                started_at      INTEGER NOT NULL,
                fired_at        INTEGER,
                resolved_at     INTEGER,
                clear_since     INTEGER,
                acknowledged_at INTEGER,
                acknowledged_by TEXT,
                muted           INTEGER NOT NULL DEFAULT 0
            );
            CREATE UNIQUE INDEX ux_alerts_open ON alerts (rule, wrapper, slot) WHERE state IN ('pending', 'firing');
            CREATE INDEX ix_alerts_state_started ON alerts (state, started_at);
            """),
        new(4, "traffic aggregates", """
            CREATE TABLE traffic_aggregates (
                wrapper           TEXT    NOT NULL,
                slot              TEXT    NOT NULL,
                bucket_start      INTEGER NOT NULL,
                bucket_ms         INTEGER NOT NULL,
                successes         INTEGER NOT NULL DEFAULT 0,
                fallbacks         INTEGER NOT NULL DEFAULT 0,
                errors            INTEGER NOT NULL DEFAULT 0,
                timeouts          INTEGER NOT NULL DEFAULT 0,
                cancelled         INTEGER NOT NULL DEFAULT 0,
                status_1xx        INTEGER NOT NULL DEFAULT 0,
                status_2xx        INTEGER NOT NULL DEFAULT 0,
                status_3xx        INTEGER NOT NULL DEFAULT 0,
                status_4xx        INTEGER NOT NULL DEFAULT 0,
                status_5xx        INTEGER NOT NULL DEFAULT 0,
                latency_sum_ms    REAL    NOT NULL DEFAULT 0,
                latency_histogram BLOB    NOT NULL,
                last_activity_at  INTEGER NOT NULL,
                PRIMARY KEY (wrapper, slot, bucket_start)
            ) WITHOUT ROWID;
            CREATE INDEX ix_traffic_aggregates_bucket ON traffic_aggregates (bucket_start);
            """),
        new(5, "deployment lock, journal and rollback points", """
            CREATE TABLE deployment_lock (
                name         TEXT PRIMARY KEY,
                token        TEXT    NOT NULL,
                holder       TEXT    NOT NULL,
                host         TEXT    NOT NULL,
                pid          INTEGER NOT NULL,
                acquired_at  INTEGER NOT NULL,
                operation_id INTEGER
            );
            CREATE TABLE deployment_operations (
                id                INTEGER PRIMARY KEY AUTOINCREMENT,
                kind              TEXT    NOT NULL,
                from_slot         TEXT,
                to_slot           TEXT    NOT NULL,
                rollback_point_id INTEGER,
                step              TEXT    NOT NULL,
                state             TEXT    NOT NULL,
                outcome           TEXT,
                reason            TEXT,
                started_at        INTEGER NOT NULL,
                updated_at        INTEGER NOT NULL,
                ended_at          INTEGER,
                started_by        TEXT    NOT NULL,
                handed_off        INTEGER NOT NULL DEFAULT 0,
                analysis_until    INTEGER,
                result_json       TEXT
            );
            CREATE INDEX ix_deployment_operations_state ON deployment_operations (state);
            CREATE TABLE rollback_points (
                id            INTEGER PRIMARY KEY AUTOINCREMENT,
                created_at    INTEGER NOT NULL,
                created_by    TEXT    NOT NULL,
                description   TEXT,
                stable        INTEGER NOT NULL DEFAULT 0,
                stable_at     INTEGER,
                active_slot   TEXT    NOT NULL,
                versions_json TEXT    NOT NULL,
                files_json    TEXT    NOT NULL,
                folder        TEXT    NOT NULL,
                source        TEXT    NOT NULL
            );
            """),
            new(6, "secret rotation journal", """
            CREATE TABLE secret_rotations (
                request_token        TEXT PRIMARY KEY,
                name                 TEXT    NOT NULL,
                from_version         INTEGER,
                to_version           INTEGER,
                step                 TEXT    NOT NULL,
                state                TEXT    NOT NULL,
                outcome              TEXT,
                reason               TEXT,
                started_at           INTEGER NOT NULL,
                updated_at           INTEGER NOT NULL,
                ended_at             INTEGER,
                started_by           TEXT    NOT NULL,
                grace_ms             INTEGER NOT NULL,
                previous_valid_until INTEGER,
                previous_removed_at  INTEGER,
                result_json          TEXT
            );
            CREATE INDEX ix_secret_rotations_name ON secret_rotations (name, started_at);
            CREATE INDEX ix_secret_rotations_state ON secret_rotations (state);
            CREATE UNIQUE INDEX ux_secret_rotations_running ON secret_rotations (name COLLATE NOCASE) WHERE state = 'Running';
            """),
        new(7, "series: each wrapper and slot with its newest probe, so reads use keys", """
            CREATE TABLE series (
                wrapper       TEXT NOT NULL,
                slot          TEXT NOT NULL,
                last_probe_at INTEGER,
                PRIMARY KEY (wrapper, slot)
            ) WITHOUT ROWID;
            INSERT INTO series (wrapper, slot, last_probe_at)
                SELECT wrapper, slot, MAX(CASE WHEN source = 'probe' THEN started_at END) FROM operations GROUP BY wrapper, slot;
            INSERT OR IGNORE INTO series (wrapper, slot) SELECT DISTINCT wrapper, slot FROM traffic_aggregates;
            """),
        // The tables only: a store that already holds per-second rows gets its rollups built by the resumable backfill
        // (SqliteHealthStore.BuildRollupsAsync, run by the monitoring service), which migration 10 marks as pending.
        new(8, "traffic rollups: per minute and per hour, so long views read a row per hour", """
            CREATE TABLE traffic_minutes (
                wrapper           TEXT    NOT NULL,
                slot              TEXT    NOT NULL,
                bucket_start      INTEGER NOT NULL,
                bucket_ms         INTEGER NOT NULL,
                successes         INTEGER NOT NULL DEFAULT 0,
                fallbacks         INTEGER NOT NULL DEFAULT 0,
                errors            INTEGER NOT NULL DEFAULT 0,
                timeouts          INTEGER NOT NULL DEFAULT 0,
                cancelled         INTEGER NOT NULL DEFAULT 0,
                status_1xx        INTEGER NOT NULL DEFAULT 0,
                status_2xx        INTEGER NOT NULL DEFAULT 0,
                status_3xx        INTEGER NOT NULL DEFAULT 0,
                status_4xx        INTEGER NOT NULL DEFAULT 0,
                status_5xx        INTEGER NOT NULL DEFAULT 0,
                latency_sum_ms    REAL    NOT NULL DEFAULT 0,
                latency_histogram BLOB    NOT NULL,
                last_activity_at  INTEGER NOT NULL,
                PRIMARY KEY (wrapper, slot, bucket_start)
            ) WITHOUT ROWID;
            CREATE INDEX ix_traffic_minutes_bucket ON traffic_minutes (bucket_start);
            CREATE TABLE traffic_hours (
                wrapper           TEXT    NOT NULL,
                slot              TEXT    NOT NULL,
                bucket_start      INTEGER NOT NULL,
                bucket_ms         INTEGER NOT NULL,
                successes         INTEGER NOT NULL DEFAULT 0,
                fallbacks         INTEGER NOT NULL DEFAULT 0,
                errors            INTEGER NOT NULL DEFAULT 0,
                timeouts          INTEGER NOT NULL DEFAULT 0,
                cancelled         INTEGER NOT NULL DEFAULT 0,
                status_1xx        INTEGER NOT NULL DEFAULT 0,
                status_2xx        INTEGER NOT NULL DEFAULT 0,
                status_3xx        INTEGER NOT NULL DEFAULT 0,
                status_4xx        INTEGER NOT NULL DEFAULT 0,
                status_5xx        INTEGER NOT NULL DEFAULT 0,
                latency_sum_ms    REAL    NOT NULL DEFAULT 0,
                latency_histogram BLOB    NOT NULL,
                last_activity_at  INTEGER NOT NULL,
                PRIMARY KEY (wrapper, slot, bucket_start)
            ) WITHOUT ROWID;
            CREATE INDEX ix_traffic_hours_bucket ON traffic_hours (bucket_start);
            """),
        new(9, "series kept by the store itself, so a writer of an earlier version keeps it current too", """
            CREATE TRIGGER tr_operations_series AFTER INSERT ON operations
            BEGIN
                INSERT INTO series (wrapper, slot, last_probe_at)
                VALUES (NEW.wrapper, NEW.slot, CASE WHEN NEW.source = 'probe' THEN NEW.started_at END)
                ON CONFLICT (wrapper, slot) DO UPDATE SET last_probe_at = CASE
                    WHEN excluded.last_probe_at IS NULL THEN series.last_probe_at
                    WHEN series.last_probe_at IS NULL OR excluded.last_probe_at > series.last_probe_at THEN excluded.last_probe_at
                    ELSE series.last_probe_at END;
            END;
            CREATE TRIGGER tr_traffic_series AFTER INSERT ON traffic_aggregates
            BEGIN
                INSERT OR IGNORE INTO series (wrapper, slot) VALUES (NEW.wrapper, NEW.slot);
            END;
            INSERT INTO series (wrapper, slot, last_probe_at)
                SELECT wrapper, slot, MAX(CASE WHEN source = 'probe' THEN started_at END) FROM operations WHERE true GROUP BY wrapper, slot
                ON CONFLICT (wrapper, slot) DO UPDATE SET last_probe_at = CASE
                    WHEN excluded.last_probe_at IS NULL THEN series.last_probe_at
                    WHEN series.last_probe_at IS NULL OR excluded.last_probe_at > series.last_probe_at THEN excluded.last_probe_at
                    ELSE series.last_probe_at END;
            INSERT OR IGNORE INTO series (wrapper, slot) SELECT DISTINCT wrapper, slot FROM traffic_aggregates;
            """),
        // history_marks says, per table, from which bucket on its rows are whole: built_from while a rollup is still
        // being built backwards from the finer rows, pruned_before once retention removed what is older. Readers take
        // a table only where it is whole. Marks are whole hours, so a coarser bucket never overlaps a finer table's part.
        new(10, "probe rollups per hour, and marks of what each history table holds whole", """
            CREATE TABLE probe_hours (
                wrapper           TEXT    NOT NULL,
                slot              TEXT    NOT NULL,
                bucket_start      INTEGER NOT NULL,
                bucket_ms         INTEGER NOT NULL,
                successes         INTEGER NOT NULL DEFAULT 0,
                fallbacks         INTEGER NOT NULL DEFAULT 0,
                errors            INTEGER NOT NULL DEFAULT 0,
                timeouts          INTEGER NOT NULL DEFAULT 0,
                cancelled         INTEGER NOT NULL DEFAULT 0,
                status_1xx        INTEGER NOT NULL DEFAULT 0,
                status_2xx        INTEGER NOT NULL DEFAULT 0,
                status_3xx        INTEGER NOT NULL DEFAULT 0,
                status_4xx        INTEGER NOT NULL DEFAULT 0,
                status_5xx        INTEGER NOT NULL DEFAULT 0,
                latency_sum_ms    REAL    NOT NULL DEFAULT 0,
                latency_histogram BLOB    NOT NULL,
                last_activity_at  INTEGER NOT NULL,
                PRIMARY KEY (wrapper, slot, bucket_start)
            ) WITHOUT ROWID;
            CREATE INDEX ix_probe_hours_bucket ON probe_hours (bucket_start);
            CREATE TABLE history_marks (
                name          TEXT NOT NULL PRIMARY KEY,
                built_from    INTEGER,
                pruned_before INTEGER
            ) WITHOUT ROWID;
            INSERT INTO history_marks (name, built_from)
                SELECT t.name, m - (m % 3600000) + 3600000
                FROM (SELECT MAX(bucket_start) AS m FROM traffic_aggregates), (SELECT 'traffic_minutes' AS name UNION ALL SELECT 'traffic_hours') AS t
                WHERE m IS NOT NULL AND NOT EXISTS (SELECT 1 FROM traffic_minutes);
            INSERT INTO history_marks (name, built_from)
                SELECT 'probe_hours', m - (m % 3600000) + 3600000 FROM (SELECT MAX(started_at) AS m FROM operations) WHERE m IS NOT NULL;
            """),
    ];
}
