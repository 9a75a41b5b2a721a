using System.Globalization;

namespace Orchestrator.Ops.Core.Host;

/// <summary>Reads one process's CPU time and resident memory from /proc/&lt;pid&gt;/stat and /proc/&lt;pid&gt;/status.</summary>
public sealed class ProcessReader(string procRoot = "/proc")
{
    public ProcessSample Read(int processId)
    {
        var folder = Path.Combine(procRoot, processId.ToString(CultureInfo.InvariantCulture));
        return new ProcessSample(ReadCpuTicks(folder), ReadResident(folder));
    }

    private static ulong? ReadCpuTicks(string folder)
    {
        try
        {
            // "pid (comm) state ppid ..." — comm may hold spaces and parentheses, so fields count from the last ')'.
            var text = File.ReadAllText(Path.Combine(folder, "stat"));
            var close = text.LastIndexOf(')');
            if (close < 0)
            {
                return null;
            }

            var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // After the comm: [0] state (field 3) … [11] utime (field 14), [12] stime (field 15).
            return fields.Length > 12
                ? ulong.Parse(fields[11], CultureInfo.InvariantCulture) + ulong.Parse(fields[12], CultureInfo.InvariantCulture)
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }

    private static long? ReadResident(string folder)
    {
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(folder, "status")))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }
}
