using System.Globalization;

namespace Orchestrator.Ops.Core.Host;

/// <summary>
/// Samples the machine's CPU and memory use (the runbook's targets: CPU &lt; 70 %, memory &lt; 80 %).
/// CPU is the busy share between two samples, so the first sample has none. On Linux it reads /proc;
/// elsewhere it reports nothing, which alert rules treat as no data, never as a breach.
/// </summary>
public sealed class HostSampler
{
    private readonly string _procRoot;
    private (ulong Busy, ulong Total)? _previous;

    public HostSampler(string procRoot = "/proc") => _procRoot = procRoot;

    public HostSample Sample()
    {
        double? cpu = null;
        var memory = ReadMemory();
        var ticks = ReadCpu();
        if (ticks is { } now)
        {
            if (_previous is { } before && now.Total > before.Total)
            {
                cpu = Math.Round(100.0 * (now.Busy - before.Busy) / (now.Total - before.Total), 1);
            }

            _previous = now;
        }

        return new HostSample(cpu, memory is { } m ? Math.Round(100.0 * m.Used / m.Total, 1) : null)
        {
            MemoryUsedBytes = memory?.Used,
            MemoryTotalBytes = memory?.Total,
            CpuTicks = ticks,
        };
    }

    /// <summary>All CPUs' busy and total time since boot in clock ticks (the first line of /proc/stat); null without /proc.</summary>
    private (ulong Busy, ulong Total)? ReadCpu()
    {
        try
        {
            // First line: "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
            var first = File.ReadLines(Path.Combine(_procRoot, "stat")).FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (first is null)
            {
                return null;
            }

            var v = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(x => ulong.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            if (v.Length < 5)
            {
                return null;
            }

            var total = v.Aggregate(0UL, (a, b) => a + b);
            var idle = v[3] + v[4];
            return (total - idle, total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>Memory in use (total less available) and total, in bytes; null without /proc.</summary>
    private (long Used, long Total)? ReadMemory()
    {
        try
        {
            ulong? total = null, available = null;
            foreach (var line in File.ReadLines(Path.Combine(_procRoot, "meminfo")))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    total = Kb(line);
                }
                else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    available = Kb(line);
                }
            }

            return total is > 0 && available is { } a && a <= total.Value ? ((long)(total.Value - a) * 1024, (long)total.Value * 1024) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }

        static ulong Kb(string line) => ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
