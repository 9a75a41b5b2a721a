using System.Globalization;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>Turns the archive's byte and file counts into progress records (and holds the crash tests' pause in a backup's write).</summary>
internal sealed class ArchiveProgress(IOpsReporter reporter, string activity, string doing, string? pauseFolder = null) : IProgress<BackupProgress>
{
    public void Report(BackupProgress value)
    {
        if (pauseFolder is not null && value.Bytes > 0)
        {
            // Crash tests stop a backup half-way through its archive here.
            TestHooks.PauseIfAsked("BackupWrite", pauseFolder);
        }

        var pct = value.TotalBytes > 0 ? (int)Math.Clamp(100 * value.Bytes / value.TotalBytes, 0, 100) : 0;
        reporter.Progress(new OpsProgress(3, activity,
            string.Create(CultureInfo.InvariantCulture, $"{doing}: {value.Files}/{value.TotalFiles} file(s), {value.Bytes / 1048576.0:0.0}/{value.TotalBytes / 1048576.0:0.0} MiB{(value.Current is null ? string.Empty : $" — {value.Current}")}"), pct));
    }
}
