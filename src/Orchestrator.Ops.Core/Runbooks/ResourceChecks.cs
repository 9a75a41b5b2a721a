using Orchestrator.Ops.Core.Host;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>The items built on resource usage: disk space (3.3.1 daily) and CPU, memory and disk (2.2.1, 2.2.2).</summary>
internal static class ResourceChecks
{
    /// <summary>Past this, a file system is nearly full: the store, the logs and new backups stop being written.</summary>
    public const double NearlyFullPercent = 95;

    /// <summary>How long CPU is sampled during an investigation.</summary>
    public static readonly TimeSpan CpuSample = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Disk space (3.3.1 daily): each file system holding the ops root, the state store, the logs or the backups, against
    /// the disk target (the DiskHigh rule's threshold, 80 % by default): over it warns, over 95 % fails. How much of it
    /// the ops data takes is in the evidence.
    /// </summary>
    public static Task<RunbookOutcome> DiskSpaceAsync(RunbookContext ctx, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var config = ctx.Engine.Config;
        var target = ctx.Engine.Resources.DiskTarget;
        var sqlite = string.Equals(config.Store.Provider, "sqlite", StringComparison.OrdinalIgnoreCase);
        var places = new List<(string What, string Path)> { ("ops root", config.OpsRoot), ("logs", config.LogsFolder), ("backups", config.Backups.Root) };
        if (sqlite)
        {
            places.Insert(1, ("state store", Path.GetDirectoryName(config.Store.Path) ?? config.OpsRoot));
        }

        var rows = new List<RunbookEvidence>();
        var unreadable = new List<string>();
        foreach (var group in places.Select(p => (p.What, p.Path, Sample: DiskSample.Of(p.Path))).GroupBy(p => p.Sample is { } s ? MountOf(s.Path) : null))
        {
            var sample = group.First().Sample;
            if (group.Key is null || sample is null)
            {
                unreadable.AddRange(group.Select(p => $"{p.What} ({p.Path})"));
                rows.AddRange(group.Select(p => new RunbookEvidence(p.Path, "UsedPercent", null, $"<= {Fmt.N(target, 2)}", RunbookStatus.Warn, $"the file system of the {p.What} cannot be read")));
                continue;
            }

            var status = sample.Percent > NearlyFullPercent ? RunbookStatus.Fail : sample.Percent > target ? RunbookStatus.Warn : RunbookStatus.Pass;
            rows.Add(new(group.Key, "UsedPercent", sample.Percent, $"<= {Fmt.N(target, 2)}", status,
                $"holds the {string.Join(", ", group.Select(p => p.What))}; {Gib(sample.Available)} GiB free of {Gib(sample.Used + sample.Available)} GiB"));
        }

        rows.Add(new(config.LogsFolder, "Bytes", SizeOf(config.LogsFolder), null, null, "the logs"));
        rows.Add(new(config.Backups.Root, "Bytes", SizeOf(config.Backups.Root), null, null, "the backups"));
        if (sqlite)
        {
            rows.Add(new(config.Store.Path, "Bytes", SizeOf(config.Store.Path) + SizeOf(config.Store.Path + "-wal") + SizeOf(config.Store.Path + "-shm"), null, null, "the state store with its journal"));
        }

        var worst = RunbookOutcome.Worst(rows);
        var full = rows.Where(r => r is { Measure: "UsedPercent", Status: RunbookStatus.Warn or RunbookStatus.Fail } && r.Value is not null).ToList();
        var detail = full.Count == 0 && unreadable.Count == 0
            ? $"Every file system the ops data lives on is within the {Fmt.N(target, 2)} % target ({string.Join(", ", rows.Where(r => r.Measure == "UsedPercent").Select(r => $"{r.Subject} {Fmt.N(r.Value as double?)} %"))})."
            : string.Join(" ", new[]
            {
                full.Count == 0 ? null : $"Over the {Fmt.N(target, 2)} % target: {string.Join(", ", full.Select(r => $"{r.Subject} {Fmt.N(r.Value as double?)} %"))}. Remove old backups (Remove-Backup applies the retention), rotate the logs, or grow the file system{(full.Any(r => r.Status == RunbookStatus.Fail) ? $"; past {Fmt.N(NearlyFullPercent)} % the store and the logs stop being written" : string.Empty)}.",
                unreadable.Count == 0 ? null : $"Cannot read the file system of: {string.Join(", ", unreadable)}.",
            }.Where(s => s is not null));
        return Task.FromResult(new RunbookOutcome(worst, detail, rows));
    }

    /// <summary>
    /// Resource use (2.2.1, 2.2.2): CPU over one second, memory and disk of the host and of the monitoring service's
    /// process, against the targets (CPU 70 %, memory 80 %, disk 80 %, the thresholds of the CpuHigh, MemoryHigh and
    /// DiskHigh rules). Over a target warns; memory or disk over 95 % fails (exhaustion is near). A value that cannot be
    /// measured (no /proc, the service not running) informs without a status.
    /// </summary>
    public static async Task<RunbookOutcome> ResourceUseAsync(RunbookContext ctx, CancellationToken ct)
    {
        // CPU is a busy share over real elapsed time (the kernel's counters), so this samples on the system clock.
        var usage = await ctx.Engine.Resources.SampleAsync(CpuSample, ct).ConfigureAwait(false);
        var rows = usage.Select(u => new RunbookEvidence($"{u.Scope} {u.Resource}", "Percent", u.Percent, $"<= {Fmt.N(u.Target, 2)}",
            u.Status switch
            {
                ResourceStatus.OverTarget when u.Resource != ResourceUsage.Cpu && u.Percent > NearlyFullPercent => RunbookStatus.Fail,
                ResourceStatus.OverTarget => RunbookStatus.Warn,
                ResourceStatus.Ok => RunbookStatus.Pass,
                _ => (RunbookStatus?)null,
            },
            u.Detail + (u.Used is { } used && u.Total is { } total ? $"; {Gib(used)} of {Gib(total)} GiB" : string.Empty))).ToList();
        var over = usage.Where(u => u.Status == ResourceStatus.OverTarget).ToList();
        var host = usage.Where(u => u.Scope == ResourceUsage.HostScope).Select(u => $"{u.Resource.ToLowerInvariant()} {Fmt.N(u.Percent)} %");
        var detail = over.Count == 0
            ? $"Within the targets: host {string.Join(", ", host)}."
            : $"Over target: {string.Join(", ", over.Select(u => $"{u.Scope} {u.Resource} {Fmt.N(u.Percent)} % (target {Fmt.N(u.Target)} %)"))}. The runbook's remedy is to scale resources or restart the services that hold them; Get-OpsResourceUsage samples again.";
        return new RunbookOutcome(RunbookOutcome.Worst(rows), detail, rows);
    }

    private static string Gib(long bytes) => Fmt.N(bytes / 1073741824.0, 1);

    /// <summary>The mount point holding <paramref name="path"/>: the longest mounted file system's root it lies under.</summary>
    private static string? MountOf(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            return DriveInfo.GetDrives()
                .Select(d => d.Name)
                .Where(root =>
                {
                    var withSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
                    return string.Equals(full, root.TrimEnd(Path.DirectorySeparatorChar), comparison) || full.StartsWith(withSeparator, comparison);
                })
                .MaxBy(root => root.Length);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long SizeOf(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                return new FileInfo(path).Length;
            }

            return Directory.Exists(path)
                ? new DirectoryInfo(path).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }).Sum(f => f.Length)
                : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
