using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Alerts;

namespace Orchestrator.Ops.Core.State;

/// <summary>The alerts table of the SQLite store.</summary>
internal sealed class SqliteAlertStore(SqliteStateStore store) : IAlertStore
{
    private const string Columns = """
        id, rule, severity, state, wrapper, slot, value, threshold, message, started_at, fired_at, resolved_at,
        clear_since, acknowledged_at, acknowledged_by, muted
        """;

    public Task<IReadOnlyList<HealthAlert>> GetAsync(AlertQuery query, CancellationToken cancellationToken) =>
        store.RunAsync<IReadOnlyList<HealthAlert>>(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            var states = query.States is { Count: > 0 } s ? string.Join(", ", s.Select((_, i) => $"$s{i}")) : null;
            cmd.CommandText = $"""
                SELECT {Columns} FROM alerts
                WHERE ($id IS NULL OR id = $id)
                  AND ($severity IS NULL OR severity = $severity)
                  AND ($wrapper IS NULL OR wrapper = $wrapper)
                  {(states is null ? string.Empty : $"AND state IN ({states})")}
                ORDER BY started_at DESC, id DESC
                LIMIT $limit;
                """;
            cmd.Parameters.AddWithValue("$id", (object?)query.Id ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$severity", (object?)query.Severity?.ToString().ToLowerInvariant() ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$wrapper", (object?)query.Wrapper ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$limit", query.Limit);
            for (var i = 0; query.States is not null && i < query.States.Count; i++)
            {
                cmd.Parameters.AddWithValue($"$s{i}", query.States[i].ToString().ToLowerInvariant());
            }

            var list = new List<HealthAlert>();
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                list.Add(Read(r));
            }

            return list;
        }, cancellationToken);

    public Task<IReadOnlyList<HealthAlert>> SaveAsync(IReadOnlyList<HealthAlert> changed, IReadOnlyList<long> deleted, CancellationToken cancellationToken) =>
        store.RunAsync<IReadOnlyList<HealthAlert>>(async (c, ct) =>
        {
            var saved = new List<HealthAlert>(changed.Count);
            await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            foreach (var id in deleted)
            {
                await using var del = c.CreateCommand();
                del.Transaction = tx;
                del.CommandText = "DELETE FROM alerts WHERE id = $id;";
                del.Parameters.AddWithValue("$id", id);
                await del.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            foreach (var a in changed)
            {
                await using var cmd = c.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = a.Id == 0
                    ? """
                      INSERT INTO alerts (rule, severity, state, wrapper, slot, value, threshold, message, started_at, fired_at,
                          resolved_at, clear_since, acknowledged_at, acknowledged_by, muted)
                      VALUES ($rule, $severity, $state, $wrapper, $slot, $value, $threshold, $message, $started, $fired,
                          $resolved, $clear, $ackAt, $ackBy, $muted)
                      RETURNING id;
                      """
                    : """
                      UPDATE alerts SET state = $state, value = $value, message = $message, fired_at = $fired,
                          resolved_at = $resolved, clear_since = $clear, muted = $muted
                      WHERE id = $id
                      RETURNING id;
                      """;
                cmd.Parameters.AddWithValue("$id", a.Id);
                cmd.Parameters.AddWithValue("$rule", a.Rule);
                cmd.Parameters.AddWithValue("$severity", a.Severity.ToString().ToLowerInvariant());
                cmd.Parameters.AddWithValue("$state", a.State.ToString().ToLowerInvariant());
                cmd.Parameters.AddWithValue("$wrapper", a.Wrapper);
                cmd.Parameters.AddWithValue("$slot", a.Slot);
                cmd.Parameters.AddWithValue("$value", a.Value);
                cmd.Parameters.AddWithValue("$threshold", a.Threshold);
                cmd.Parameters.AddWithValue("$message", a.Message);
                cmd.Parameters.AddWithValue("$started", a.StartedAt.ToUnixTimeMilliseconds());
                cmd.Parameters.AddWithValue("$fired", (object?)a.FiredAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
                cmd.Parameters.AddWithValue("$resolved", (object?)a.ResolvedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
                cmd.Parameters.AddWithValue("$clear", (object?)a.ClearSince?.ToUnixTimeMilliseconds() ?? DBNull.Value);
                cmd.Parameters.AddWithValue("$ackAt", (object?)a.AcknowledgedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
                cmd.Parameters.AddWithValue("$ackBy", (object?)a.AcknowledgedBy ?? DBNull.Value);
                cmd.Parameters.AddWithValue("$muted", a.Muted ? 1 : 0);
                var id = (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
                saved.Add(a with { Id = id });
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
            return saved;
        }, cancellationToken);

    public Task<HealthAlert?> AcknowledgeAsync(long id, string by, DateTimeOffset at, CancellationToken cancellationToken) =>
        store.RunAsync(async (c, ct) =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = $"""
                UPDATE alerts SET acknowledged_at = COALESCE(acknowledged_at, $at), acknowledged_by = COALESCE(acknowledged_by, $by)
                WHERE id = $id
                RETURNING {Columns};
                """;
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$by", by);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await r.ReadAsync(ct).ConfigureAwait(false) ? Read(r) : null;
        }, cancellationToken);

    private static HealthAlert Read(SqliteDataReader r)
    {
        static DateTimeOffset? At(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i));
        return new HealthAlert
        {
            Id = r.GetInt64(0),
            Rule = r.GetString(1),
            Severity = Enum.Parse<AlertSeverity>(r.GetString(2), ignoreCase: true),
            State = Enum.Parse<AlertState>(r.GetString(3), ignoreCase: true),
            Wrapper = r.GetString(4),
            Slot = r.GetString(5),
            Value = r.GetDouble(6),
            Threshold = r.GetDouble(7),
            Message = r.GetString(8),
            StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)),
            FiredAt = At(r, 10),
            ResolvedAt = At(r, 11),
            ClearSince = At(r, 12),
            AcknowledgedAt = At(r, 13),
            AcknowledgedBy = r.IsDBNull(14) ? null : r.GetString(14),
            Muted = r.GetInt64(15) != 0,
        };
    }
}
