using Orchestrator.Ops.Core.Host;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Host;

public sealed class HostSamplerTests : IDisposable
{
    private readonly TempFolder _proc = new();

    public void Dispose() => _proc.Dispose();

    private void Stat(ulong user, ulong system, ulong idle) =>
        _proc.Write("stat", $"cpu  {user} 0 {system} {idle} 0 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 12345\n");

    [Fact]
    public void Cpu_is_the_busy_share_between_two_samples_and_memory_is_used_over_total()
    {
        _proc.Write("meminfo", "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    4000000 kB\n");
        Stat(user: 100, system: 100, idle: 800);
        var sampler = new HostSampler(_proc.Path);

        var first = sampler.Sample();
        Stat(user: 100 + 600, system: 100 + 150, idle: 800 + 250);
        var second = sampler.Sample();

        Assert.Null(first.CpuPercent);
        Assert.Equal(75, first.MemoryPercent);
        Assert.Equal(75, second.CpuPercent);
    }

    [Fact]
    public void Without_proc_there_is_no_data_rather_than_a_guess()
    {
        var sample = new HostSampler(Path.Combine(_proc.Path, "missing")).Sample();

        Assert.Equal(new HostSample(null, null), sample);
    }

    [Fact]
    public void The_real_machine_reports_plausible_numbers()
    {
        var sampler = new HostSampler();
        sampler.Sample();
        var s = sampler.Sample();

        Assert.InRange(s.MemoryPercent!.Value, 0.1, 100);
        Assert.InRange(s.CpuPercent ?? 0, 0, 100);
    }
}
