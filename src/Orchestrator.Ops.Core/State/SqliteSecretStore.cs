using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Secrets;

namespace Orchestrator.Ops.Core.State;

/// <summary>The secret rotation journal in the SQLite store. It never holds a value.</summary>
internal sealed class SqliteSecretStore(SqliteStateStore store, TimeProvider time) : ISecretStore
{
    private const string Columns = """
        request_token, name, from_version, to_version, step, state, outcome, reason, started_at, updated_at, ended_at,
        started_by, grace_ms, previous_valid_until, previous_removed_at, result_json
        """;

    public Task<bool> TryAddRotationAsync(SecretRotationRecord r, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                INSERT INTO secret_rotations (request_token, name, from_version, to_version, step, state, outcome, reason,
                    started_at, updated_at, ended_at, started_by, grace_ms, previous_valid_until, previous_removed_at, result_json)
                VALUES ($token, $name, $from, $to, $step, $state, NULL, NULL, $started, $started, NULL, $by, $grace, NULL, NULL, NULL)
                ON CONFLICT DO NOTHING;
                """;
            cmd.Parameters.AddWithValue("$token", r.RequestToken);
            cmd.Parameters.AddWithValue("$name", r.Name);
            cmd.Parameters.AddWithValue("$from", (object?)r.FromVersion ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$to", (object?)r.ToVersion ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$step", r.Step.ToString());
            cmd.Parameters.AddWithValue("$state", r.State.ToString());
            cmd.Parameters.AddWithValue("$started", r.StartedAt.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$by", r.StartedBy);
            cmd.Parameters.AddWithValue("$grace", (long)r.GracePeriod.TotalMilliseconds);
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, cancellationToken);

    public async Task<SecretRotationRecord?> GetRotationAsync(string requestToken, CancellationToken cancellationToken) =>
        (await QueryAsync("request_token = $token", cmd => cmd.Parameters.AddWithValue("$token", requestToken), 1, cancellationToken).ConfigureAwait(false))
        .FirstOrDefault();

    public Task<IReadOnlyList<SecretRotationRecord>> GetRotationsAsync(string? name, bool runningOnly, int limit, CancellationToken cancellationToken) =>
        QueryAsync("($name IS NULL OR name = $name COLLATE NOCASE) AND ($running = 0 OR state = 'Running')", cmd =>
        {
            cmd.Parameters.AddWithValue("$name", (object?)name ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$running", runningOnly ? 1 : 0);
        }, limit, cancellationToken);

    public Task SetStepAsync(string requestToken, SecretRotationStep step, int? toVersion, string? resultJson, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                UPDATE secret_rotations SET step = $step, updated_at = $now,
                    to_version = COALESCE($to, to_version), result_json = COALESCE($result, result_json)
                WHERE request_token = $token AND state = 'Running';
                """;
            cmd.Parameters.AddWithValue("$token", requestToken);
            cmd.Parameters.AddWithValue("$step", step.ToString());
            cmd.Parameters.AddWithValue("$to", (object?)toVersion ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$result", (object?)resultJson ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task EndRotationAsync(string requestToken, SecretRotationState state, string outcome, string? reason, DateTimeOffset? previousValidUntil, string? resultJson, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                UPDATE secret_rotations SET step = 'Completed', state = $state, outcome = $outcome, reason = $reason,
                    previous_valid_until = $until, result_json = COALESCE($result, result_json), updated_at = $now, ended_at = $now
                WHERE request_token = $token;
                """;
            cmd.Parameters.AddWithValue("$token", requestToken);
            cmd.Parameters.AddWithValue("$state", state.ToString());
            cmd.Parameters.AddWithValue("$outcome", outcome);
            cmd.Parameters.AddWithValue("$reason", (object?)reason ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$until", (object?)previousValidUntil?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$result", (object?)resultJson ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task MarkPreviousRemovedAsync(string name, DateTimeOffset at, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                UPDATE secret_rotations SET previous_removed_at = $at
                WHERE name = $name COLLATE NOCASE AND state <> 'Running' AND previous_removed_at IS NULL;
                """;
            cmd.Parameters.AddWithValue("$name", name);
            cmd.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    private Task<IReadOnlyList<SecretRotationRecord>> QueryAsync(string where, Action<SqliteCommand> bind, int limit, CancellationToken cancellationToken) =>
        store.RunAsync<IReadOnlyList<SecretRotationRecord>>(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT {Columns} FROM secret_rotations WHERE {where} ORDER BY started_at DESC, rowid DESC LIMIT $limit;";
            bind(cmd);
            cmd.Parameters.AddWithValue("$limit", limit);
            var list = new List<SecretRotationRecord>();
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                list.Add(new SecretRotationRecord
                {
                    RequestToken = r.GetString(0),
                    Name = r.GetString(1),
                    FromVersion = r.IsDBNull(2) ? null : r.GetInt32(2),
                    ToVersion = r.IsDBNull(3) ? null : r.GetInt32(3),
                    Step = Enum.Parse<SecretRotationStep>(r.GetString(4)),
                    State = Enum.Parse<SecretRotationState>(r.GetString(5)),
                    Outcome = r.IsDBNull(6) ? null : r.GetString(6),
                    Reason = r.IsDBNull(7) ? null : r.GetString(7),
                    StartedAt = Time(r.GetInt64(8)),
                    UpdatedAt = Time(r.GetInt64(9)),
                    EndedAt = r.IsDBNull(10) ? null : Time(r.GetInt64(10)),
                    StartedBy = r.GetString(11),
                    GracePeriod = TimeSpan.FromMilliseconds(r.GetInt64(12)),
                    PreviousValidUntil = r.IsDBNull(13) ? null : Time(r.GetInt64(13)),
                    PreviousRemovedAt = r.IsDBNull(14) ? null : Time(r.GetInt64(14)),
                    ResultJson = r.IsDBNull(15) ? null : r.GetString(15),
                });
            }

            return list;
        }, cancellationToken);

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
