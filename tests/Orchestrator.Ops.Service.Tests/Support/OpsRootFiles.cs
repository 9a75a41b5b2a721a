using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Service.Tests.Support;

/// <summary>What tests read or hold under a service's ops root: its log files and its store's lock.</summary>
public static class OpsRootFiles
{
    /// <summary>Holds an exclusive transaction on the store's file (a second process holding the lock).</summary>
    public static async Task<SqliteConnection> LockStoreAsync(OpsConfig config)
    {
        var holder = new SqliteConnection($"Data Source={config.Store.Path};Pooling=False");
        await holder.OpenAsync();
        await using var cmd = holder.CreateCommand();
        cmd.CommandText = "BEGIN EXCLUSIVE;";
        await cmd.ExecuteNonQueryAsync();
        return holder;
    }

    /// <summary>The lines of a log file, read while the service may still write it; none when it does not exist yet.</summary>
    public static string[] LogLines(OpsConfig config, string file)
    {
        var path = Path.Combine(config.LogsFolder, file);
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
