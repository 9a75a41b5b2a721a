using System.Data;
using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.State;

/// <summary>
/// The embedded store: one SQLite file under the ops root, in WAL mode with a busy timeout, so several
/// pwsh sessions and the service can share it. Every write is a transaction.
/// </summary>
public sealed class SqliteStateStore : IStateStore, ISettingsStore
{
    private readonly string _connectionString;
    private readonly TimeSpan _busyTimeout;
    private readonly TimeProvider _time;

    private SqliteStateStore(string path, TimeSpan busyTimeout, TimeProvider time)
    {
        Health = new SqliteHealthStore(this);
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

    public IHealthStore Health { get; }

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

        // Migrations may call the store's own SQL functions (migration 8 merges histograms in its backfill).
        SqliteHealthFunctions.Register(c);
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

    internal static async Task Exec(SqliteConnection c, string sql, CancellationToken ct, SqliteTransaction? tx = null)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
