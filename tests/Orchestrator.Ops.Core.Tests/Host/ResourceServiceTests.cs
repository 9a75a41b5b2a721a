using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Host;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Host;

public sealed class ResourceServiceTests : IDisposable
{
    private const int Pid = 4242;
    private readonly TempFolder _dir = new();
    private readonly TempFolder _proc = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        _proc.Dispose();
        _dir.Dispose();
    }

    private OpsConfig Config(string extra = "") =>
        OpsConfigLoader.Load(_dir.Write("ops.json", ConfigText.Minimal[..^2] + extra + "\n}"));

    private void Machine(ulong busy, ulong idle, ulong processTicks, long rssKb)
    {
        _proc.Write("stat", $"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n");
        _proc.Write("meminfo", "MemTotal:       8000000 kB\nMemFree:         100000 kB\nMemAvailable:    2000000 kB\n");
        Directory.CreateDirectory(Path.Combine(_proc.Path, Pid.ToString(CultureInfo.InvariantCulture)));
        // The command name holds spaces and a parenthesis, as a process may name itself.
        _proc.Write($"{Pid}/stat", $"{Pid} (ops (svc) x) S 1 1 1 0 -1 4194560 100 0 0 0 {processTicks - 40} 40 0 0 20 0 9 0 100 1000 500 18446744073709551615\n");
        _proc.Write($"{Pid}/status", $"Name:\tops\nVmPeak:\t 999999 kB\nVmRSS:\t {rssKb} kB\nThreads:\t9\n");
    }

    private static ResourceUsage Row(IReadOnlyList<ResourceUsage> rows, string scope, string resource) =>
        rows.Single(r => r.Scope == scope && r.Resource == resource);

    [Fact]
    public async Task Cpu_is_measured_over_the_interval_for_the_host_and_the_service_process()
    {
        Machine(busy: 1000, idle: 9000, processTicks: 500, rssKb: 400000);
        var service = new ResourceService(Config(), _time, _proc.Path, () => Pid);

        var sampling = service.SampleAsync(TimeSpan.FromSeconds(2), default);
        Assert.False(sampling.IsCompleted);
        // Over the interval: 400 of 500 ticks busy on the machine, 100 of them the service's.
        Machine(busy: 1400, idle: 9100, processTicks: 600, rssKb: 400000);
        _time.Advance(TimeSpan.FromSeconds(2));
        var rows = await sampling.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(6, rows.Count);
        var hostCpu = Row(rows, "Host", "Cpu");
        Assert.Equal((80.0, 70.0, ResourceStatus.OverTarget), (hostCpu.Percent!.Value, hostCpu.Target, hostCpu.Status));
        var serviceCpu = Row(rows, "Service", "Cpu");
        Assert.Equal((20.0, ResourceStatus.Ok), (serviceCpu.Percent!.Value, serviceCpu.Status));
        Assert.Contains($"process {Pid}", serviceCpu.Detail);

        var memory = Row(rows, "Host", "Memory");
        Assert.Equal((75.0, 80.0, ResourceStatus.Ok), (memory.Percent!.Value, memory.Target, memory.Status));
        Assert.Equal((6000000L * 1024, 8000000L * 1024), (memory.Used!.Value, memory.Total!.Value));
        var serviceMemory = Row(rows, "Service", "Memory");
        Assert.Equal((5.0, 400000L * 1024), (serviceMemory.Percent!.Value, serviceMemory.Used!.Value));
    }

    [Fact]
    public async Task Targets_are_the_alert_rules_thresholds()
    {
        Machine(busy: 1000, idle: 9000, processTicks: 500, rssKb: 1000);
        var config = Config("""
            ,
              "alerts": { "rules": [
                { "name": "CpuHigh", "severity": "warning", "metric": "cpuPercent", "threshold": 50 },
                { "name": "MemoryHigh", "severity": "critical", "metric": "memoryPercent", "threshold": 60 },
                { "name": "DiskFull", "severity": "critical", "metric": "diskPercent", "threshold": 0.001 }
              ] }
            """);
        var service = new ResourceService(config, _time, _proc.Path, () => Pid);

        var sampling = service.SampleAsync(TimeSpan.FromSeconds(1), default);
        Machine(busy: 1060, idle: 9040, processTicks: 500, rssKb: 1000);
        _time.Advance(TimeSpan.FromSeconds(1));
        var rows = await sampling.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((60.0, 50.0, ResourceStatus.OverTarget), (Row(rows, "Host", "Cpu").Percent!.Value, Row(rows, "Host", "Cpu").Target, Row(rows, "Host", "Cpu").Status));
        Assert.Equal((60.0, ResourceStatus.OverTarget), (Row(rows, "Host", "Memory").Target, Row(rows, "Host", "Memory").Status));
        Assert.Equal((0.001, ResourceStatus.OverTarget), (Row(rows, "Host", "Disk").Target, Row(rows, "Host", "Disk").Status));
        Assert.Equal(0.0, Row(rows, "Service", "Cpu").Percent);
    }

    [Fact]
    public async Task A_service_that_is_not_running_is_unknown_with_the_reason_never_a_guess()
    {
        Machine(busy: 1000, idle: 9000, processTicks: 500, rssKb: 1000);
        var stopped = new ResourceService(Config(), _time, _proc.Path, () => null);
        var gone = new ResourceService(Config(), _time, _proc.Path, () => Pid + 1);

        foreach (var service in new[] { stopped, gone })
        {
            var sampling = service.SampleAsync(TimeSpan.FromSeconds(1), default);
            _time.Advance(TimeSpan.FromSeconds(1));
            var rows = await sampling.WaitAsync(TimeSpan.FromSeconds(10));
            foreach (var resource in new[] { "Cpu", "Memory" })
            {
                var row = Row(rows, "Service", resource);
                Assert.Equal((null, ResourceStatus.Unknown), (row.Percent, row.Status));
            }
        }

        var stoppedRows = await Sample(stopped);
        Assert.Equal("the service is not running", Row(stoppedRows, "Service", "Cpu").Detail);
        var goneRows = await Sample(gone);
        Assert.Equal($"process {Pid + 1} is gone", Row(goneRows, "Service", "Memory").Detail);
    }

    private async Task<IReadOnlyList<ResourceUsage>> Sample(ResourceService service)
    {
        var sampling = service.SampleAsync(TimeSpan.FromSeconds(1), default);
        _time.Advance(TimeSpan.FromSeconds(1));
        return await sampling.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Without_proc_cpu_and_memory_are_unknown_and_the_first_signal_has_no_cpu()
    {
        var service = new ResourceService(Config(), _time, Path.Combine(_proc.Path, "missing"), () => null);

        var rows = await Sample(service);

        Assert.All(rows.Where(r => r.Resource != "Disk"), r => Assert.Equal(ResourceStatus.Unknown, r.Status));
        var signals = service.SampleSignals(configurationDrifted: false);
        Assert.Null(signals.CpuPercent);
        Assert.Null(signals.MemoryPercent);
        Assert.NotNull(signals.DiskPercent);
    }

    [Fact]
    public async Task The_service_disk_row_counts_its_logs_store_and_backups()
    {
        Machine(busy: 1000, idle: 9000, processTicks: 500, rssKb: 1000);
        var config = Config();
        Directory.CreateDirectory(config.LogsFolder);
        File.WriteAllBytes(Path.Combine(config.LogsFolder, "application.log"), new byte[300_000]);
        Directory.CreateDirectory(Path.Combine(config.Backups.Root, "b1"));
        File.WriteAllBytes(Path.Combine(config.Backups.Root, "b1", "archive.bin"), new byte[200_000]);
        Directory.CreateDirectory(Path.GetDirectoryName(config.Store.Path)!);
        File.WriteAllBytes(config.Store.Path, new byte[50_000]);
        File.WriteAllBytes(config.Store.Path + "-wal", new byte[7_000]);
        File.WriteAllBytes(Path.Combine(_dir.Path, "not-ours.bin"), new byte[1_000_000]);

        var rows = await Sample(new ResourceService(config, _time, _proc.Path, () => Pid));

        Assert.Equal(557_000L, Row(rows, "Service", "Disk").Used);
    }

    [Fact]
    public async Task Disk_use_matches_df_for_the_ops_root()
    {
        var sample = DiskSample.Of(Path.Combine(_dir.Path, "not", "made", "yet"));
        var df = await Df(_dir.Path);

        Assert.NotNull(sample);
        Assert.Equal(_dir.Path, sample.Path);
        // The file system is shared with the running machine, so allow what other writers change meanwhile.
        Assert.InRange(sample.Used, df.Used - (64L << 20), df.Used + (64L << 20));
        Assert.InRange(sample.Available, df.Available - (64L << 20), df.Available + (64L << 20));
        Assert.InRange(sample.Percent, df.Percent - 1, df.Percent + 1);
    }

    [Fact]
    public async Task The_interval_is_bounded_and_cancellable()
    {
        var service = new ResourceService(Config(), _time, _proc.Path, () => null);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => service.SampleAsync(TimeSpan.FromMilliseconds(10), default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => service.SampleAsync(TimeSpan.FromHours(1), default));
        using var cts = new CancellationTokenSource();
        var sampling = service.SampleAsync(TimeSpan.FromMinutes(5), cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sampling.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static async Task<(long Used, long Available, double Percent)> Df(string path)
    {
        var psi = new ProcessStartInfo("df", ["-B1", "--output=used,avail,pcent", path]) { RedirectStandardOutput = true };
        using var df = Process.Start(psi)!;
        var text = await df.StandardOutput.ReadToEndAsync();
        await df.WaitForExitAsync();
        var f = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2].TrimEnd('%'), CultureInfo.InvariantCulture));
    }
}
