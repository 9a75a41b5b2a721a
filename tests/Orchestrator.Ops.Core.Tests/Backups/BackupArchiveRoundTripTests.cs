using Orchestrator.Ops.Core.Backups;
using static Orchestrator.Ops.Core.Tests.Backups.BackupTestKit;

namespace Orchestrator.Ops.Core.Tests.Backups;

/// <summary>Back up real files, list, check and extract them again.</summary>
public sealed class BackupArchiveRoundTripTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Root => _dir.File("backups");

    [Theory]
    [InlineData("zstd", ".tar.zst")]
    [InlineData("gzip", ".tar.gz")]
    public async Task A_tree_comes_back_byte_for_byte_with_its_modes_and_times(string codec, string extension)
    {
        // Half random, half text: both a stored and a well-compressed region, tens of MB in all.
        var large = RandomBytes(12 * 1024 * 1024, 7).Concat(Enumerable.Repeat("2026-11-28 probe ok latency=12ms\n"u8.ToArray(), 400_000).SelectMany(b => b)).ToArray();
        var t1 = new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1234567);
        var t2 = new DateTime(2024, 12, 31, 23, 59, 59, DateTimeKind.Utc);
        var sources = new List<BackupSource>
        {
            Put(_dir, "state/ops.db", large, (UnixFileMode)0b110_100_000, t1),
            Put(_dir, "state/empty.log", [], (UnixFileMode)0b110_000_000, t2),
            Put(_dir, "config/deep/er/still/orchestrator-ops.json", "{ \"a\": 1 }"u8.ToArray(), (UnixFileMode)0b111_101_101, t1),
            Put(_dir, "README", "x"u8.ToArray(), (UnixFileMode)0b100_100_100, t2),
        };

        var manifest = await BackupArchive.WriteAsync(Root, Header("20261128-011500-3fa9c2", codec), sources, null, CancellationToken.None);

        Assert.Equal(codec, manifest.Codec);
        Assert.Equal(["state/ops.db", "state/empty.log", "config/deep/er/still/orchestrator-ops.json", "README"], manifest.Entries.Select(e => e.Path));
        Assert.Equal(large.Length + 10 + 1, manifest.Bytes);
        Assert.Equal(Sha256(large), manifest.Entries[0].Sha256);
        Assert.Equal(Sha256([]), manifest.Entries[1].Sha256);
        var archive = BackupArchive.ArchivePath(Root, manifest);
        Assert.EndsWith(extension, archive);
        Assert.Equal(new FileInfo(archive).Length, manifest.CompressedBytes);
        Assert.True(manifest.CompressedBytes < manifest.Bytes, "the text half compresses");
        Assert.Equal(Sha256(File.ReadAllBytes(archive)), manifest.ArchiveSha256);
        AssertSameManifest(manifest, BackupArchive.ReadManifest(Root, manifest.Id));
        Assert.Equal(["20261128-011500-3fa9c2.manifest.json", "20261128-011500-3fa9c2" + extension], FilesUnder(Root));

        Assert.True((await BackupArchive.VerifyAsync(Root, manifest.Id, readData: false, null, CancellationToken.None)).Passed);
        var full = await BackupArchive.VerifyAsync(Root, manifest.Id, readData: true, null, CancellationToken.None);
        Assert.True(full.Passed, string.Join("; ", full.Damaged));
        Assert.Equal((4, manifest.Bytes), (full.FilesChecked, full.BytesChecked));

        var destination = _dir.File("restore");
        var written = await BackupArchive.ExtractAsync(Root, manifest.Id, destination, null, null, CancellationToken.None);

        Assert.Equal(manifest.Entries, written);
        foreach (var (source, entry) in sources.Zip(manifest.Entries))
        {
            var restored = Path.Combine(destination, entry.Path);
            Assert.Equal(File.ReadAllBytes(source.SourcePath), File.ReadAllBytes(restored));
            Assert.Equal(File.GetLastWriteTimeUtc(source.SourcePath), File.GetLastWriteTimeUtc(restored));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(File.GetUnixFileMode(source.SourcePath), File.GetUnixFileMode(restored));
            }
        }

        Assert.Equal(t1, File.GetLastWriteTimeUtc(Path.Combine(destination, "state/ops.db")));
        Assert.DoesNotContain(FilesUnder(destination), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Backups_are_owner_only_and_so_is_a_root_folder_it_creates()
    {
        var manifest = await BackupArchive.WriteAsync(Root, Header("b1"), SmallTree(_dir), null, CancellationToken.None);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Root));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(BackupArchive.ArchivePath(Root, manifest)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Root, "b1.manifest.json")));
        }
    }

    [Fact]
    public async Task The_manifest_records_what_the_backup_is()
    {
        var createdAt = new DateTimeOffset(2026, 11, 28, 1, 15, 0, TimeSpan.FromHours(1));
        var written = await BackupArchive.WriteAsync(Root, Header("b1", createdAt: createdAt), SmallTree(_dir), null, CancellationToken.None);
        var read = BackupArchive.ReadManifest(Root, "b1");

        Assert.Equal((1, "b1", createdAt, "test backup", "nightly", "test-host"), (read.FormatVersion, read.Id, read.CreatedAt, read.Description, read.Tag, read.Host));
        Assert.Equal(written.ManifestSha256, read.ManifestSha256);
        Assert.Matches("^[0-9a-f]{64}$", read.ManifestSha256!);
        var text = File.ReadAllText(Path.Combine(Root, "b1.manifest.json"));
        Assert.Contains("\"path\": \"state/ops.db\"", text);
        Assert.Contains("\"sha256\": \"" + written.Entries[2].Sha256 + "\"", text);
    }

    [Fact]
    public async Task Listing_is_newest_first_and_ignores_temporary_files_and_archives_without_a_manifest()
    {
        var tree = SmallTree(_dir);
        await BackupArchive.WriteAsync(Root, Header("20261126-000000-aaaaaa", createdAt: new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero)), tree, null, CancellationToken.None);
        await BackupArchive.WriteAsync(Root, Header("20261128-000000-cccccc", createdAt: new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero)), tree, null, CancellationToken.None);
        await BackupArchive.WriteAsync(Root, Header("20261127-000000-bbbbbb", "gzip", new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero)), tree, null, CancellationToken.None);
        // What a killed backup leaves: temp files, and an archive renamed into place whose manifest never came.
        File.WriteAllText(Path.Combine(Root, ".20261129-000000-dddddd.tar.zst.0123456789abcdef.tmp"), "partial");
        File.WriteAllText(Path.Combine(Root, ".20261129-000000-dddddd.manifest.json.0123456789abcdef.tmp"), "{");
        File.Copy(Path.Combine(Root, "20261126-000000-aaaaaa.tar.zst"), Path.Combine(Root, "20261129-000000-eeeeee.tar.zst"));

        var listed = BackupArchive.List(Root);

        Assert.Equal(["20261128-000000-cccccc", "20261127-000000-bbbbbb", "20261126-000000-aaaaaa"], listed.Select(l => l.Id));
        Assert.All(listed, l => Assert.Null(l.Problem));
        Assert.All(listed, l => Assert.NotNull(l.Manifest));
        Assert.Empty(BackupArchive.List(_dir.File("no-such-folder")));
    }

    [Fact]
    public async Task A_subset_filter_extracts_only_those_entries()
    {
        await BackupArchive.WriteAsync(Root, Header("b1"), SmallTree(_dir), null, CancellationToken.None);
        var destination = _dir.File("restore");

        var written = await BackupArchive.ExtractAsync(Root, "b1", destination, e => e.Path.StartsWith("state/", StringComparison.Ordinal), null, CancellationToken.None);

        Assert.Equal(["state/empty.log", "state/ops.db"], written.Select(e => e.Path));
        Assert.Equal(["state", "state/empty.log", "state/ops.db"], FilesUnder(destination));
    }

    [Fact]
    public async Task Progress_reaches_the_totals_when_writing_checking_and_extracting()
    {
        var tree = SmallTree(_dir);
        tree.Add(Put(_dir, "big.bin", RandomBytes(3 * 1024 * 1024, 3)));
        var write = new RecordingProgress();
        var manifest = await BackupArchive.WriteAsync(Root, Header("b1"), tree, write, CancellationToken.None);
        var verify = new RecordingProgress();
        await BackupArchive.VerifyAsync(Root, "b1", readData: true, verify, CancellationToken.None);
        var extract = new RecordingProgress();
        await BackupArchive.ExtractAsync(Root, "b1", _dir.File("restore"), null, extract, CancellationToken.None);

        foreach (var reports in new[] { write.Reports, verify.Reports, extract.Reports })
        {
            Assert.True(reports.Count > 5, $"{reports.Count} reports");
            Assert.Equal(new BackupProgress(manifest.Bytes, manifest.Bytes, 5, 5, null), reports[^1]);
            Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.Bytes <= p.Second.Bytes && p.First.Files <= p.Second.Files), "progress never goes back");
            Assert.Contains(reports, r => r.Current == "big.bin" && r.Bytes > 0 && r.Bytes < manifest.Bytes);
        }
    }

    [Fact]
    public async Task Delete_removes_the_manifest_and_the_archive()
    {
        await BackupArchive.WriteAsync(Root, Header("b1"), SmallTree(_dir), null, CancellationToken.None);
        await BackupArchive.WriteAsync(Root, Header("b2"), SmallTree(_dir), null, CancellationToken.None);

        BackupArchive.Delete(Root, "b1");

        Assert.Equal(["b2"], BackupArchive.List(Root).Select(l => l.Id));
        Assert.Equal(["b2.manifest.json", "b2.tar.zst"], FilesUnder(Root));
        var e = Assert.Throws<BackupException>(() => BackupArchive.Delete(Root, "b1"));
        Assert.Equal((BackupFailure.NotFound, "b1"), (e.Failure, e.BackupId));
        Assert.Equal(BackupFailure.NotFound, Assert.Throws<BackupException>(() => BackupArchive.ReadManifest(Root, "b1")).Failure);
        Assert.Equal(BackupFailure.NotFound, (await Assert.ThrowsAsync<BackupException>(() => BackupArchive.VerifyAsync(Root, "b1", false, null, CancellationToken.None))).Failure);
    }

    [Fact]
    public async Task Ids_and_entry_paths_that_could_name_other_files_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => BackupArchive.WriteAsync(Root, Header("../b1"), SmallTree(_dir), null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => BackupArchive.WriteAsync(Root, Header("b1"), [new BackupSource(_dir.Write("a", "a"), "../a")], null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => BackupArchive.WriteAsync(Root, Header("b1"), [new BackupSource(_dir.Write("a", "a"), "/etc/a")], null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => BackupArchive.WriteAsync(Root, Header("b1", "lz4"), SmallTree(_dir), null, CancellationToken.None));
        Assert.Empty(FilesUnder(Root));
    }

    [Fact]
    public async Task An_existing_id_is_not_overwritten()
    {
        var first = await BackupArchive.WriteAsync(Root, Header("b1"), SmallTree(_dir), null, CancellationToken.None);

        var e = await Assert.ThrowsAsync<BackupException>(() => BackupArchive.WriteAsync(Root, Header("b1", "gzip"), SmallTree(_dir), null, CancellationToken.None));

        Assert.Contains("already exists", e.Message);
        AssertSameManifest(first, BackupArchive.ReadManifest(Root, "b1"));
        Assert.Equal(["b1.manifest.json", "b1.tar.zst"], FilesUnder(Root));
    }
}
