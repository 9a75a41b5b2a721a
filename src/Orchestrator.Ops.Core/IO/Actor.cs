using System.Globalization;

namespace Orchestrator.Ops.Core.IO;

/// <summary>Who is acting, as recorded on deployments, backups, secret versions, runbook reports and lock holders.</summary>
public static class Actor
{
    /// <summary>"user@host" of this process.</summary>
    public static string Current => $"{Environment.UserName}@{Environment.MachineName}";

    /// <summary>"user@host (pid N, operation) since yyyy-MM-dd HH:mm:ssZ": what a lock's holder file says.</summary>
    public static string Holding(string operation, DateTimeOffset since) =>
        string.Create(CultureInfo.InvariantCulture, $"{Current} (pid {Environment.ProcessId}, {operation}) since {since:u}");
}
