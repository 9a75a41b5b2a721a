using System.Data;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Deployment;

namespace Orchestrator.Ops.Core.State;

/// <summary>The deployment lock, journal and rollback points in the SQLite store.</summary>
internal sealed class SqliteDeploymentStore(SqliteStateStore store, TimeProvider time) : IDeploymentStore
{
    private const string LockName = "deployment";

    private const string OperationColumns = """
        id, kind, from_slot, to_slot, rollback_point_id, step, state, outcome, reason, started_at, updated_at, ended_at,
        started_by, handed_off, analysis_until, result_json
        """;

    private const string PointColumns = "id, created_at, created_by, description, stable, stable_at, active_slot, versions_json, files_json, folder, source";

    public Task<(bool Acquired, DeploymentLockHolder Current, DeploymentLockHolder? TakenOver)> TryAcquireLockAsync(
        DeploymentLockHolder me, Func<DeploymentLockHolder, bool> isStale, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            // Serializable = BEGIN IMMEDIATE: two processes cannot both see the lock free.
            await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(IsolationLevel.Serializable, ct).ConfigureAwait(false);
            var current = await ReadLock(c, tx, ct).ConfigureAwait(false);
            DeploymentLockHolder? takenOver = null;
            if (current is not null)
            {
                if (!isStale(current))
                {
                    await tx.RollbackAsync(ct).ConfigureAwait(false);
                    return (false, current, (DeploymentLockHolder?)null);
                }

                takenOver = current;
                await using var del = c.CreateCommand();
                del.Transaction = tx;
                del.CommandText = "DELETE FROM deployment_lock WHERE name = $n;";
                del.Parameters.AddWithValue("$n", LockName);
                await del.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await using (var ins = c.CreateCommand())
            {
                ins.Transaction = tx;
                ins.CommandText = """
                    INSERT INTO deployment_lock (name, token, holder, host, pid, acquired_at, operation_id)
                    VALUES ($n, $token, $holder, $host, $pid, $at, $op);
                    """;
                AddLock(ins, me);
                await ins.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
            return (true, me, takenOver);
        }, cancellationToken);

    public Task<bool> UpdateLockAsync(string token, DeploymentLockHolder updated, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                UPDATE deployment_lock SET token = $token, holder = $holder, host = $host, pid = $pid, acquired_at = $at, operation_id = $op
                WHERE name = $n AND token = $old;
                """;
            AddLock(cmd, updated);
            cmd.Parameters.AddWithValue("$old", token);
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, cancellationToken);

    public Task ReleaseLockAsync(string token, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "DELETE FROM deployment_lock WHERE name = $n AND token = $token;";
            cmd.Parameters.AddWithValue("$n", LockName);
            cmd.Parameters.AddWithValue("$token", token);
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task<DeploymentLockHolder?> GetLockAsync(CancellationToken cancellationToken) =>
        store.RunAsync((c, ct) => ReadLock(c, null, ct), cancellationToken);

    public Task<long> AddOperationAsync(DeploymentOperation o, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                INSERT INTO deployment_operations (kind, from_slot, to_slot, rollback_point_id, step, state, outcome, reason,
                    started_at, updated_at, ended_at, started_by, handed_off, analysis_until, result_json)
                VALUES ($kind, $from, $to, $rp, $step, $state, $outcome, $reason, $started, $started, NULL, $by, 0, NULL, NULL)
                RETURNING id;
                """;
            cmd.Parameters.AddWithValue("$kind", o.Kind.ToString());
            cmd.Parameters.AddWithValue("$from", (object?)o.FromSlot ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$to", o.ToSlot);
            cmd.Parameters.AddWithValue("$rp", (object?)o.RollbackPointId ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$step", o.Step.ToString());
            cmd.Parameters.AddWithValue("$state", o.State.ToString());
            cmd.Parameters.AddWithValue("$outcome", (object?)o.Outcome ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$reason", (object?)o.Reason ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$started", o.StartedAt.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$by", o.StartedBy);
            return (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }, cancellationToken);

    public Task SetStepAsync(long id, DeploymentStep step, CancellationToken cancellationToken, long? rollbackPointId = null, bool? handedOff = null, DateTimeOffset? analysisUntil = null) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                UPDATE deployment_operations SET step = $step, updated_at = $now,
                    rollback_point_id = COALESCE($rp, rollback_point_id),
                    handed_off = COALESCE($handedOff, handed_off),
                    analysis_until = COALESCE($until, analysis_until)
                WHERE id = $id;
                """;
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$step", step.ToString());
            cmd.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$rp", (object?)rollbackPointId ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$handedOff", handedOff is null ? DBNull.Value : handedOff.Value ? 1 : 0);
            cmd.Parameters.AddWithValue("$until", (object?)analysisUntil?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task SaveProgressAsync(long id, string resultJson, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE deployment_operations SET result_json = $result, updated_at = $now WHERE id = $id AND state = 'Running';";
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$result", resultJson);
            cmd.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task EndOperationAsync(long id, DeploymentOperationState state, string outcome, string? reason, string? resultJson, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                UPDATE deployment_operations SET step = 'Completed', state = $state, outcome = $outcome, reason = $reason,
                    result_json = COALESCE($result, result_json), updated_at = $now, ended_at = $now
                WHERE id = $id;
                """;
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$state", state.ToString());
            cmd.Parameters.AddWithValue("$outcome", outcome);
            cmd.Parameters.AddWithValue("$reason", (object?)reason ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$result", (object?)resultJson ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<DeploymentOperation>> GetOperationsAsync(long? id, bool runningOnly, int limit, CancellationToken cancellationToken) =>
        store.RunAsync<IReadOnlyList<DeploymentOperation>>(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = $"""
                SELECT {OperationColumns} FROM deployment_operations
                WHERE ($id IS NULL OR id = $id) AND ($running = 0 OR state = 'Running')
                ORDER BY id DESC LIMIT $limit;
                """;
            cmd.Parameters.AddWithValue("$id", (object?)id ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$running", runningOnly ? 1 : 0);
            cmd.Parameters.AddWithValue("$limit", limit);
            var list = new List<DeploymentOperation>();
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                list.Add(new DeploymentOperation
                {
                    Id = r.GetInt64(0),
                    Kind = Enum.Parse<DeploymentOperationKind>(r.GetString(1)),
                    FromSlot = r.IsDBNull(2) ? null : r.GetString(2),
                    ToSlot = r.GetString(3),
                    RollbackPointId = r.IsDBNull(4) ? null : r.GetInt64(4),
                    Step = Enum.Parse<DeploymentStep>(r.GetString(5)),
                    State = Enum.Parse<DeploymentOperationState>(r.GetString(6)),
                    Outcome = r.IsDBNull(7) ? null : r.GetString(7),
                    Reason = r.IsDBNull(8) ? null : r.GetString(8),
                    StartedAt = Time(r.GetInt64(9)),
                    UpdatedAt = Time(r.GetInt64(10)),
                    EndedAt = r.IsDBNull(11) ? null : Time(r.GetInt64(11)),
                    StartedBy = r.GetString(12),
                    HandedOff = r.GetInt64(13) != 0,
                    AnalysisUntil = r.IsDBNull(14) ? null : Time(r.GetInt64(14)),
                    ResultJson = r.IsDBNull(15) ? null : r.GetString(15),
                });
            }

            return list;
        }, cancellationToken);

    public Task<long> AddRollbackPointAsync(RollbackPoint p, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                INSERT INTO rollback_points (created_at, created_by, description, stable, stable_at, active_slot, versions_json, files_json, folder, source)
                VALUES ($at, $by, $desc, $stable, $stableAt, $slot, $versions, $files, $folder, $source)
                RETURNING id;
                """;
            cmd.Parameters.AddWithValue("$at", p.CreatedAt.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$by", p.CreatedBy);
            cmd.Parameters.AddWithValue("$desc", (object?)p.Description ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$stable", p.Stable ? 1 : 0);
            cmd.Parameters.AddWithValue("$stableAt", p.Stable ? p.CreatedAt.ToUnixTimeMilliseconds() : DBNull.Value);
            cmd.Parameters.AddWithValue("$slot", p.ActiveSlot);
            cmd.Parameters.AddWithValue("$versions", JsonSerializer.Serialize(p.Versions));
            cmd.Parameters.AddWithValue("$files", JsonSerializer.Serialize(p.Files));
            cmd.Parameters.AddWithValue("$folder", p.Folder);
            cmd.Parameters.AddWithValue("$source", p.Source);
            return (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }, cancellationToken);

    public Task<IReadOnlyList<RollbackPoint>> GetRollbackPointsAsync(long? id, bool stableOnly, int limit, CancellationToken cancellationToken) =>
        store.RunAsync<IReadOnlyList<RollbackPoint>>(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = $"""
                SELECT {PointColumns} FROM rollback_points
                WHERE ($id IS NULL OR id = $id) AND ($stable = 0 OR stable = 1)
                ORDER BY id DESC LIMIT $limit;
                """;
            cmd.Parameters.AddWithValue("$id", (object?)id ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$stable", stableOnly ? 1 : 0);
            cmd.Parameters.AddWithValue("$limit", limit);
            var list = new List<RollbackPoint>();
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                list.Add(new RollbackPoint
                {
                    Id = r.GetInt64(0),
                    CreatedAt = Time(r.GetInt64(1)),
                    CreatedBy = r.GetString(2),
                    Description = r.IsDBNull(3) ? null : r.GetString(3),
                    Stable = r.GetInt64(4) != 0,
                    StableAt = r.IsDBNull(5) ? null : Time(r.GetInt64(5)),
                    ActiveSlot = r.GetString(6),
                    Versions = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string?>>>(r.GetString(7))!
                        .ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, string?>)kv.Value),
                    Files = JsonSerializer.Deserialize<List<RollbackFile>>(r.GetString(8))!,
                    Folder = r.GetString(9),
                    Source = r.GetString(10),
                });
            }

            return list;
        }, cancellationToken);

    public Task MarkStableAsync(long id, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE rollback_points SET stable = 1, stable_at = COALESCE(stable_at, $now) WHERE id = $id;";
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static void AddLock(SqliteCommand cmd, DeploymentLockHolder h)
    {
        cmd.Parameters.AddWithValue("$n", LockName);
        cmd.Parameters.AddWithValue("$token", h.Token);
        cmd.Parameters.AddWithValue("$holder", h.Holder);
        cmd.Parameters.AddWithValue("$host", h.Host);
        cmd.Parameters.AddWithValue("$pid", h.ProcessId);
        cmd.Parameters.AddWithValue("$at", h.AcquiredAt.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$op", (object?)h.OperationId ?? DBNull.Value);
    }

    private static async Task<DeploymentLockHolder?> ReadLock(SqliteConnection c, SqliteTransaction? tx, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT token, holder, host, pid, acquired_at, operation_id FROM deployment_lock WHERE name = $n;";
        cmd.Parameters.AddWithValue("$n", LockName);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await r.ReadAsync(ct).ConfigureAwait(false))
        {
            return null;
        }

        return new DeploymentLockHolder(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), Time(r.GetInt64(4)), r.IsDBNull(5) ? null : r.GetInt64(5));
    }
}
