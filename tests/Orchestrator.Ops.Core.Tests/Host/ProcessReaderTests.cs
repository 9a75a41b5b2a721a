using Orchestrator.Ops.Core.Host;

namespace Orchestrator.Ops.Core.Tests.Host;

public sealed class ProcessReaderTests
{
    [Fact]
    public void The_current_process_reads_as_ps_would_see_it()
    {
        using var me = System.Diagnostics.Process.GetCurrentProcess();
        me.Refresh();

        var sample = new ProcessReader().Read(Environment.ProcessId);

        Assert.NotNull(sample.CpuTicks);
        Assert.True(sample.CpuTicks > 0);
        // Resident memory as .NET sees it (also from /proc), within what a few allocations move it.
        Assert.InRange(sample.ResidentBytes!.Value, me.WorkingSet64 / 2, me.WorkingSet64 * 2);
    }

    [Fact]
    public void A_process_that_does_not_exist_reads_as_nothing()
    {
        var sample = new ProcessReader().Read(int.MaxValue - 1);

        Assert.Equal(new ProcessSample(null, null), sample);
    }
}
