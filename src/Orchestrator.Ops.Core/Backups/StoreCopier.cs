using System.Globalization;
using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Configuration;
using Polly;
using Polly.Retry;
using Serilog;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// The live state store as backups see it: copied out (a snapshot) and back in (a restore) through SQLite's online
/// backup API, never a raw copy, waiting out another process's brief locks through a Polly retry on the injected
/// clock; and the deployment lock's holder, read straight from the store file without opening the engine's store.
/// </summary>
internal sealed class StoreCopier
{
    private static readonly ResiliencePropertyKey<long> StartedKey = new("backup.store-copy.started");

    private readonly StoreSettings _store;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _waitOutLocks;

    public StoreCopier(StoreSettings store, TimeProvider time, ILogger log)
    {
        _store = store;
        _time = time;

        // Each refused step is tried again from the start after 20 ms, 40 ms, ... at most 250 ms, until the store's busy
        // timeout has passed since the first attempt; the step refused then is the one that fails the copy.
        _waitOutLocks = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(IsLocked(args.Outcome.Exception)
                    && _time.GetElapsedTime(args.Context.Properties.GetValue(StartedKey, 0L)) < _store.BusyTimeout),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(TimeSpan.FromMilliseconds(Math.Min(20 * (args.AttemptNumber + 1), 250))),
                OnRetry = args =>
                {
                    log.Debug("The store was locked during its backup copy (attempt {Attempt}); trying again", args.AttemptNumber + 1);
                    return default;
                },
            })
            .Build();
    }

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

        var context = ResilienceContextPool.Shared.Get(ct);
        try
        {
            context.Properties.Set(StartedKey, _time.GetTimestamp());
            _waitOutLocks.Execute(static (_, pair) => pair.src.BackupDatabase(pair.dst), context, (src, dst));
        }
        catch (SqliteException ex) when (IsLocked(ex))
        {
            throw new BackupException(BackupFailure.StoreLocked, backupId, store,
                $"Backup '{backupId}': the state store '{store}' stayed locked by another process for more than {bound.TotalSeconds:0.#} s (store.busyTimeoutMs) while it was being copied; try again, or stop what holds it.", ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static bool IsLocked(Exception? e) =>
        e is SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED };
}
