namespace Orchestrator.Ops.Core.Host;

/// <summary>
/// The file system holding a path: bytes used, bytes available to unprivileged users, and the total. Percent is
/// used ÷ (used + available), as <c>df</c> counts it, so blocks reserved for root count as neither.
/// </summary>
public sealed record DiskSample(string Path, long Used, long Available, long Total)
{
    public double Percent => Used + Available > 0 ? Math.Round(100.0 * Used / (Used + Available), 1) : 0;

    /// <summary>The file system of <paramref name="path"/> (or of its nearest existing parent); null when it cannot be read.</summary>
    public static DiskSample? Of(string path)
    {
        try
        {
            var existing = System.IO.Path.GetFullPath(path);
            while (!Directory.Exists(existing) && System.IO.Path.GetDirectoryName(existing) is { } parent)
            {
                existing = parent;
            }

            var drive = new DriveInfo(existing);
            var total = drive.TotalSize;
            return total > 0 ? new DiskSample(existing, total - drive.TotalFreeSpace, drive.AvailableFreeSpace, total) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
