using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Configuration;
using Serilog;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// The live state store as backups see it: copied out (a snapshot) and back in (a restore) through SQLite's online
/// backup API, never a raw copy, waiting out another process's brief locks; and the deployment lock's holder, read
/// straight from the store file without opening the engine's store.
/// </summary>
internal sealed class StoreCopier(StoreSettings settings, ILogger log)
{
    private readonly StoreSettings _store = settings;

    /// <summary>Copies the live store at <paramref name="source"/> into a new owner-only file at <paramref name="destination"/>.</summary>
    public void Snapshot(string backupId, string source, string destination, CancellationToken ct)
    {
        OwnerOnly.Create(destination).Dispose();
        using var src = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        using var dst = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Pooling = false }.ToString());
        src.Open();
        dst.Open();
        CopyWaitingOutLocks(src, dst, backupId, source, ct);
        using var cmd = dst.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode = DELETE;";
        cmd.ExecuteNonQuery();
    }

    /// <summary>Restores the live store from a staged copy, so open connections see a consistent database.</summary>
    public void Restore(string backupId, string staged, string target)
    {
        using var src = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = staged, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        using var dst = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target, Pooling = false, DefaultTimeout = (int)Math.Ceiling(_store.BusyTimeout.TotalSeconds) }.ToString());
        src.Open();
        dst.Open();
        CopyWaitingOutLocks(src, dst, backupId, target, CancellationToken.None);
    }

    /// <summary>The deployment lock's holder read straight from the store file (null when free, or when the store cannot be read — a corrupt store is what a restore is for).</summary>
    public string? DeploymentLockHolder()
    {
        if (!File.Exists(_store.Path))
        {
            return null;
        }

        try
        {
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _store.Path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT holder FROM deployment_lock LIMIT 1;";
            return cmd.ExecuteScalar() as string;
        }
        catch (SqliteException)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs SQLite's online backup from <paramref name="src"/> into <paramref name="dst"/>. A writer's commit or a WAL
    /// checkpoint of the live store holds its lock for moments, and the backup step does not wait by itself
    /// (SQLITE_BUSY, SQLITE_LOCKED): both connections get the store's busy timeout, and a step still refused is
    /// retried from the start until that timeout has passed, and only then fails.
    /// </summary>
    private void CopyWaitingOutLocks(SqliteConnection src, SqliteConnection dst, string backupId, string store, CancellationToken ct)
    {
        var bound = _store.BusyTimeout;
        foreach (var c in new[] { src, dst })
        {
            using var pragma = c.CreateCommand();
            pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(int)bound.TotalMilliseconds};");
            pragma.ExecuteNonQuery();
        }

        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                src.BackupDatabase(dst);
                return;
            }
            catch (SqliteException ex) when (IsLocked(ex))
            {
                if (clock.Elapsed >= bound)
                {
                    throw new BackupException(BackupFailure.StoreLocked, backupId, store,
                        $"Backup '{backupId}': the state store '{store}' stayed locked by another process for more than {bound.TotalSeconds:0.#} s (store.busyTimeoutMs) while it was being copied; try again, or stop what holds it.", ex);
                }

                log.Debug("The store was locked during its backup copy (attempt {Attempt}); trying again", attempt);
                if (ct.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Min(20 * attempt, 250))))
                {
                    ct.ThrowIfCancellationRequested();
                }
            }
        }
    }

    private static bool IsLocked(Exception? e) =>
        e is SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED };
}
