using Orchestrator.Ops.Core.Backups;
using static Orchestrator.Ops.Core.Tests.Backups.BackupTestKit;

namespace Orchestrator.Ops.Core.Tests.Backups;

/// <summary>A backup that does not finish leaves nothing listed, no stray files, and the earlier backups intact.</summary>
public sealed class BackupArchiveFailureTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Root => _dir.File("backups");

    private async Task<BackupManifest> Earlier() =>
        await BackupArchive.WriteAsync(Root, Header("20261127-000000-aaaaaa"), SmallTree(_dir), null, CancellationToken.None);

    /// <summary>Only the earlier backup is listed, it still passes a full check, and nothing else is in the folder.</summary>
    private async Task AssertOnlyEarlierRemains(BackupManifest earlier)
    {
        Assert.Equal([earlier.Id], BackupArchive.List(Root).Select(l => l.Id));
        Assert.Equal([earlier.Id + ".manifest.json", earlier.Id + ".tar.zst"], FilesUnder(Root));
        var check = await BackupArchive.VerifyAsync(Root, earlier.Id, readData: true, null, CancellationToken.None);
        Assert.True(check.Passed, string.Join("; ", check.Damaged));
    }

    private List<BackupSource> BigTree() =>
    [
        Put(_dir, "big/one.bin", RandomBytes(6 * 1024 * 1024, 11)),
        Put(_dir, "big/two.bin", RandomBytes(6 * 1024 * 1024, 12)),
        Put(_dir, "big/three.txt", "three"u8.ToArray()),
    ];

    [Fact]
    public async Task Cancelling_mid_write_leaves_nothing_listed_and_earlier_backups_intact()
    {
        var earlier = await Earlier();
        using var cts = new CancellationTokenSource();
        var progress = new RecordingProgress(p =>
        {
            if (p.Bytes > 2 * 1024 * 1024)
            {
                cts.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            BackupArchive.WriteAsync(Root, Header("20261128-000000-bbbbbb"), BigTree(), progress, cts.Token));

        Assert.Contains(progress.Reports, r => r.Bytes > 2 * 1024 * 1024 && r.Bytes < r.TotalBytes);
        await AssertOnlyEarlierRemains(earlier);
    }

    [Fact]
    public async Task A_missing_source_fails_naming_it_before_anything_is_written()
    {
        var earlier = await Earlier();
        var sources = BigTree();
        var gone = _dir.File("src/state/gone.db");
        sources.Insert(1, new BackupSource(gone, "state/gone.db"));

        var e = await Assert.ThrowsAsync<BackupException>(() =>
            BackupArchive.WriteAsync(Root, Header("20261128-000000-bbbbbb"), sources, null, CancellationToken.None));

        Assert.Equal((BackupFailure.SourceMissing, "20261128-000000-bbbbbb", gone), (e.Failure, e.BackupId, e.File));
        Assert.Contains(gone, e.Message);
        await AssertOnlyEarlierRemains(earlier);
    }

    [Fact]
    public async Task A_source_that_vanishes_while_the_backup_runs_fails_naming_it_and_nothing_is_listed()
    {
        var earlier = await Earlier();
        var sources = BigTree();
        var vanishing = sources[1].SourcePath;
        var progress = new RecordingProgress(p =>
        {
            if (p.Current == "big/one.bin" && p.Bytes > 0)
            {
                File.Delete(vanishing);
            }
        });

        var e = await Assert.ThrowsAsync<BackupException>(() =>
            BackupArchive.WriteAsync(Root, Header("20261128-000000-bbbbbb"), sources, progress, CancellationToken.None));

        Assert.False(File.Exists(vanishing));
        Assert.Equal((BackupFailure.SourceMissing, vanishing), (e.Failure, e.File));
        await AssertOnlyEarlierRemains(earlier);
    }

    [Fact]
    public async Task A_file_that_grows_while_it_is_read_is_kept_at_the_size_it_had_when_opened()
    {
        var sources = BigTree();
        var growing = sources[0].SourcePath;
        var original = File.ReadAllBytes(growing);
        var grown = false;
        var progress = new RecordingProgress(p =>
        {
            if (!grown && p.Current == "big/one.bin" && p.Bytes > 0)
            {
                grown = true;
                using var stream = new FileStream(growing, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                stream.Write(RandomBytes(100_000, 99));
            }
        });

        var manifest = await BackupArchive.WriteAsync(Root, Header("b1"), sources, progress, CancellationToken.None);

        Assert.True(grown);
        Assert.Equal(original.Length + 100_000, new FileInfo(growing).Length);
        Assert.Equal((original.Length, Sha256(original)), (manifest.Entries[0].Size, manifest.Entries[0].Sha256));
        Assert.True((await BackupArchive.VerifyAsync(Root, "b1", readData: true, null, CancellationToken.None)).Passed);
        await BackupArchive.ExtractAsync(Root, "b1", _dir.File("restore"), e => e.Path == "big/one.bin", null, CancellationToken.None);
        Assert.Equal(original, File.ReadAllBytes(_dir.File("restore/big/one.bin")));
    }

    [Fact]
    public async Task A_file_that_shrinks_while_it_is_read_fails_naming_it_and_nothing_is_listed()
    {
        var earlier = await Earlier();
        var sources = BigTree();
        var shrinking = sources[0].SourcePath;
        var progress = new RecordingProgress(p =>
        {
            if (p.Current == "big/one.bin" && p.Bytes > 0 && new FileInfo(shrinking).Length > 1024)
            {
                using var stream = new FileStream(shrinking, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                stream.SetLength(1024);
            }
        });

        var e = await Assert.ThrowsAsync<BackupException>(() =>
            BackupArchive.WriteAsync(Root, Header("20261128-000000-bbbbbb"), sources, progress, CancellationToken.None));

        Assert.Equal((BackupFailure.SourceMissing, shrinking), (e.Failure, e.File));
        Assert.Contains("shrank", e.Message);
        await AssertOnlyEarlierRemains(earlier);
    }

    [Fact]
    public async Task A_full_disk_leaves_no_partial_backup_and_earlier_backups_intact()
    {
        var earlier = await Earlier();

        var e = await Assert.ThrowsAsync<BackupException>(() => BackupArchive.WriteAsync(
            Root, Header("20261128-000000-bbbbbb"), BigTree(), null, stream => new FullDiskStream(stream, 1024 * 1024), CancellationToken.None));

        Assert.Equal(BackupFailure.Io, e.Failure);
        Assert.Contains("No space left on device", e.Message);
        Assert.Contains("20261128-000000-bbbbbb", e.Message);
        await AssertOnlyEarlierRemains(earlier);
    }
}
