using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>Bytes read of the total, reported at most four times a second (thread-safe).</summary>
internal sealed class LogProgress(IOpsReporter reporter, TimeProvider time, string activity, long total)
{
    private const int ActivityId = 7301;
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(250);
    private readonly long _started = time.GetTimestamp();
    private long _done;
    private long _lastReport = time.GetTimestamp();
    private int _reporting;

    public void Add(long bytes)
    {
        var done = Interlocked.Add(ref _done, bytes);
        var now = time.GetTimestamp();
        if (time.GetElapsedTime(Interlocked.Read(ref _lastReport), now) < Every || Interlocked.Exchange(ref _reporting, 1) == 1)
        {
            return;
        }

        try
        {
            Interlocked.Exchange(ref _lastReport, now);
            var seconds = time.GetElapsedTime(_started, now).TotalSeconds;
            var rate = seconds > 0 ? done / seconds / (1024 * 1024) : 0;
            reporter.Progress(new OpsProgress(ActivityId, activity,
                $"{Mib(done)} of {Mib(total)} MiB read ({rate:0} MiB/s)",
                total > 0 ? (int)Math.Min(100, done * 100 / total) : 0));
        }
        finally
        {
            Volatile.Write(ref _reporting, 0);
        }
    }

    public void Complete() => reporter.Progress(new OpsProgress(ActivityId, activity, "Done", 100, Completed: true));

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
