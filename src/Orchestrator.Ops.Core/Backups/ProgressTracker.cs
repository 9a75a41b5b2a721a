namespace Orchestrator.Ops.Core.Backups;

/// <summary>Counts bytes and files and reports at each file and at most once per MiB in between.</summary>
internal sealed class ProgressTracker(IProgress<BackupProgress>? progress, long totalBytes, int totalFiles)
{
    private const long Step = 1 << 20;

    private long _bytes;
    private long _reportedAt;
    private int _files;
    private string? _current;

    internal long Bytes => _bytes;

    internal int Files => _files;

    internal void Begin(string current)
    {
        _current = current;
        Report();
    }

    internal void Add(long bytes)
    {
        _bytes += bytes;
        if (_bytes - _reportedAt >= Step)
        {
            Report();
        }
    }

    internal void FileDone()
    {
        _files++;
        _current = null;
        Report();
    }

    /// <summary>The last report: what was actually done becomes the total (a backup's sources may have changed size).</summary>
    internal void Finish() => progress?.Report(new BackupProgress(_bytes, _bytes, _files, _files, null));

    private void Report()
    {
        _reportedAt = _bytes;
        progress?.Report(new BackupProgress(_bytes, Math.Max(totalBytes, _bytes), _files, Math.Max(totalFiles, _files), _current));
    }
}
