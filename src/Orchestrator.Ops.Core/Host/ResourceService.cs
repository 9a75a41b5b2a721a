using System.Globalization;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.ServiceProcess;

namespace Orchestrator.Ops.Core.Host;

/// <summary>
/// CPU, memory and disk use of the host and of the monitoring service's process, against the runbook's targets
/// (CPU &lt; 70 %, memory &lt; 80 %; disk &lt; 80 %). The targets are the thresholds of the alert rules on the same metrics,
/// and the service's monitor loop reads its system signals through <see cref="SampleSignals"/> of this class, so
/// Get-OpsResourceUsage and the CpuHigh/MemoryHigh/DiskHigh alerts see the same numbers.
/// </summary>
public sealed class ResourceService
{
    private readonly OpsConfig _config;
    private readonly TimeProvider _time;
    private readonly string _procRoot;
    private readonly Func<int?> _serviceProcess;
    private readonly HostSampler _signalSampler;

    /// <param name="serviceProcess">The service's process id, or null when it is not running; by default from its ready file.</param>
    public ResourceService(OpsConfig config, TimeProvider time, string procRoot = "/proc", Func<int?>? serviceProcess = null)
    {
        _config = config;
        _time = time;
        _procRoot = procRoot;
        _serviceProcess = serviceProcess ?? (() => OpsServiceLauncher.GetRunning(config)?.ProcessId);
        _signalSampler = new HostSampler(procRoot);
    }

    /// <summary>The shortest CPU sampling interval <see cref="SampleAsync(TimeSpan, CancellationToken)"/> takes.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest CPU sampling interval <see cref="SampleAsync(TimeSpan, CancellationToken)"/> takes.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromMinutes(10);

    public double CpuTarget => Target(AlertMetric.CpuPercent, 70);

    public double MemoryTarget => Target(AlertMetric.MemoryPercent, 80);

    public double DiskTarget => Target(AlertMetric.DiskPercent, 80);

    /// <summary>
    /// The system signals for the alert rules: CPU since the previous call (none on the first), memory, and the disk
    /// holding the ops root. Meant to be called once per monitor round on one instance.
    /// </summary>
    public SystemSignals SampleSignals(bool? configurationDrifted)
    {
        var host = _signalSampler.Sample();
        return new SystemSignals(host.CpuPercent, host.MemoryPercent, configurationDrifted, DiskSample.Of(_config.OpsRoot)?.Percent);
    }

    /// <summary>Like <see cref="SampleAsync(TimeSpan, CancellationToken)"/>, saying so as progress while CPU is sampled.</summary>
    public async Task<IReadOnlyList<ResourceUsage>> SampleAsync(TimeSpan interval, Reporting.IOpsReporter reporter, CancellationToken cancellationToken)
    {
        const string activity = "Measuring resource use";
        reporter.Progress(new Reporting.OpsProgress(1, activity, $"Sampling CPU over {interval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s", -1));
        try
        {
            return await SampleAsync(interval, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            reporter.Progress(new Reporting.OpsProgress(1, activity, "Done", 100, Completed: true));
        }
    }

    /// <summary>
    /// Samples everything: CPU is the busy share over <paramref name="interval"/>; memory and disk are read at the end.
    /// Rows: Host Cpu, Host Memory, Host Disk, Service Cpu, Service Memory, Service Disk (the bytes of the service's
    /// logs, store and backups on their file systems).
    /// </summary>
    public async Task<IReadOnlyList<ResourceUsage>> SampleAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        if (interval < MinInterval || interval > MaxInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "The sampling interval must be between 100 ms and 10 minutes.");
        }

        var host = new HostSampler(_procRoot);
        var process = new ProcessReader(_procRoot);
        var pid = _serviceProcess();
        var hostBefore = host.Sample();
        var processBefore = pid is { } p0 ? process.Read(p0) : null;

        await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);

        var hostNow = host.Sample();
        var processNow = pid is { } p1 ? process.Read(p1) : null;
        var seconds = interval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var rows = new List<ResourceUsage>
        {
            Row(ResourceUsage.HostScope, ResourceUsage.Cpu, hostNow.CpuPercent, CpuTarget, null, null, $"all cores over {seconds} s"),
            Row(ResourceUsage.HostScope, ResourceUsage.Memory, hostNow.MemoryPercent, MemoryTarget, hostNow.MemoryUsedBytes, hostNow.MemoryTotalBytes, "in use (total less available)"),
        };
        var disk = DiskSample.Of(_config.OpsRoot);
        rows.Add(Row(ResourceUsage.HostScope, ResourceUsage.Disk, disk?.Percent, DiskTarget, disk?.Used, disk is null ? null : disk.Used + disk.Available,
            disk is null ? $"cannot read the file system of {_config.OpsRoot}" : $"file system of {disk.Path}"));

        if (pid is null || processNow?.CpuTicks is null)
        {
            var why = pid is null ? "the service is not running" : $"process {pid} is gone";
            rows.Add(Row(ResourceUsage.ServiceScope, ResourceUsage.Cpu, null, CpuTarget, null, null, why));
            rows.Add(Row(ResourceUsage.ServiceScope, ResourceUsage.Memory, null, MemoryTarget, null, null, why));
        }
        else
        {
            double? cpu = processBefore?.CpuTicks is { } before && hostBefore.CpuTicks is { } t0 && hostNow.CpuTicks is { } t1 && t1.Total > t0.Total && processNow.CpuTicks >= before
                ? Math.Round(100.0 * (processNow.CpuTicks.Value - before) / (t1.Total - t0.Total), 1)
                : null;
            rows.Add(Row(ResourceUsage.ServiceScope, ResourceUsage.Cpu, cpu, CpuTarget, null, null, $"process {pid}, share of all cores over {seconds} s"));
            var rss = processNow.ResidentBytes;
            var total = hostNow.MemoryTotalBytes;
            rows.Add(Row(ResourceUsage.ServiceScope, ResourceUsage.Memory, rss is { } r && total is > 0 ? Math.Round(100.0 * r / total.Value, 1) : null, MemoryTarget, rss, total,
                $"process {pid}, resident set"));
        }

        var (bytes, onDisk) = ServiceBytes();
        rows.Add(Row(ResourceUsage.ServiceScope, ResourceUsage.Disk, disk is null || disk.Used + disk.Available == 0 ? null : Math.Round(100.0 * bytes / (disk.Used + disk.Available), 1),
            DiskTarget, bytes, disk is null ? null : disk.Used + disk.Available, $"logs, store and backups: {string.Join(", ", onDisk)}"));
        return rows;
    }

    private static ResourceUsage Row(string scope, string resource, double? percent, double target, long? used, long? total, string? detail) =>
        new(scope, resource, percent, target, percent is { } v ? (v > target ? ResourceStatus.OverTarget : ResourceStatus.Ok) : ResourceStatus.Unknown, used, total, detail);

    private double Target(AlertMetric metric, double fallback) =>
        _config.Alerts.Rules.FirstOrDefault(r => r.Metric == metric && !r.Below)?.Threshold ?? fallback;

    /// <summary>The bytes the service keeps: its logs folder, the SQLite store (with its journal files) and the backups folder.</summary>
    private (long Bytes, IReadOnlyList<string> Paths) ServiceBytes()
    {
        var paths = new List<string> { _config.LogsFolder, _config.Backups.Root };
        if (string.Equals(_config.Store.Provider, "sqlite", StringComparison.OrdinalIgnoreCase))
        {
            paths.Add(_config.Store.Path);
        }

        long bytes = 0;
        foreach (var p in paths)
        {
            bytes += SizeOf(p);
            if (p == _config.Store.Path)
            {
                bytes += SizeOf(p + "-wal") + SizeOf(p + "-shm");
            }
        }

        return (bytes, paths);
    }

    private static long SizeOf(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                return new FileInfo(path).Length;
            }

            if (!Directory.Exists(path))
            {
                return 0;
            }

            long sum = 0;
            foreach (var f in new DirectoryInfo(path).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            {
                sum += f.Length;
            }

            return sum;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
