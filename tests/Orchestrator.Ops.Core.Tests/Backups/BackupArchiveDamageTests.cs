using System.Text.Json.Nodes;
using Orchestrator.Ops.Core.Backups;
using static Orchestrator.Ops.Core.Tests.Backups.BackupTestKit;

namespace Orchestrator.Ops.Core.Tests.Backups;

/// <summary>Flipped bytes, short archives and edited manifests are found and named, never restored.</summary>
public sealed class BackupArchiveDamageTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Root => _dir.File("backups");

    private string Destination => _dir.File("restore");

    private string ManifestFile => Path.Combine(Root, "b1.manifest.json");

    /// <summary>Small text, then 4 MB of random bytes (stored, not compressed, by both codecs), then small text.</summary>
    private async Task<BackupManifest> Backup(string codec = "zstd") =>
        await BackupArchive.WriteAsync(Root, Header("b1", codec),
        [
            Put(_dir, "a.txt", "first file\n"u8.ToArray()),
            Put(_dir, "state/b.bin", RandomBytes(4 * 1024 * 1024, 5)),
            Put(_dir, "c.txt", "last file\n"u8.ToArray()),
        ], null, CancellationToken.None);

    [Theory]
    [InlineData("zstd")]
    [InlineData("gzip")]
    public async Task A_flipped_byte_fails_the_full_check_naming_the_first_damaged_file_and_is_not_restored(string codec)
    {
        var manifest = await Backup(codec);
        var archive = BackupArchive.ArchivePath(Root, manifest);
        FlipByte(archive, new FileInfo(archive).Length / 2);

        // The structural check may or may not notice (the codec's checksum might); the full check must.
        await BackupArchive.VerifyAsync(Root, "b1", readData: false, null, CancellationToken.None);
        var check = await BackupArchive.VerifyAsync(Root, "b1", readData: true, null, CancellationToken.None);

        Assert.False(check.Passed);
        Assert.True(check.ReadData);
        Assert.Equal("state/b.bin", check.Damaged[0].Path);
        var e = await Assert.ThrowsAsync<BackupException>(() => BackupArchive.ExtractAsync(Root, "b1", Destination, null, null, CancellationToken.None));
        Assert.Equal((BackupFailure.Damaged, "b1", "state/b.bin"), (e.Failure, e.BackupId, e.File));
        Assert.DoesNotContain(FilesUnder(Destination), f => f.StartsWith("state/", StringComparison.Ordinal) && f != "state");
        Assert.DoesNotContain(FilesUnder(Destination), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Content_that_differs_from_its_recorded_hash_passes_the_structural_check_but_not_the_full_one()
    {
        // A consistent archive (the codec's checksums hold) whose second file is not what the manifest recorded:
        // only the entries' SHA-256 can tell.
        var recorded = "the right content\n"u8.ToArray();
        var actual = "the wrong content\n"u8.ToArray();
        Craft(Root, "b1", [EntryFor("a.txt", "a"u8.ToArray()), EntryFor("b.txt", recorded), EntryFor("c.txt", "c"u8.ToArray())], tar =>
        {
            AddFile(tar, "a.txt", "a"u8.ToArray());
            AddFile(tar, "b.txt", actual);
            AddFile(tar, "c.txt", "c"u8.ToArray());
        });

        Assert.True((await BackupArchive.VerifyAsync(Root, "b1", readData: false, null, CancellationToken.None)).Passed);
        var check = await BackupArchive.VerifyAsync(Root, "b1", readData: true, null, CancellationToken.None);

        Assert.False(check.Passed);
        var damaged = Assert.Single(check.Damaged);
        Assert.Equal("b.txt", damaged.Path);
        Assert.Contains("SHA-256", damaged.Problem);
        var e = await Assert.ThrowsAsync<BackupException>(() => BackupArchive.ExtractAsync(Root, "b1", Destination, null, null, CancellationToken.None));
        Assert.Equal((BackupFailure.Damaged, "b.txt"), (e.Failure, e.File));
        Assert.Equal(["a.txt"], FilesUnder(Destination));
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("gzip")]
    public async Task An_archive_cut_short_fails_the_structural_check_naming_the_archive_and_the_cut_entry(string codec)
    {
        var manifest = await Backup(codec);
        var archive = BackupArchive.ArchivePath(Root, manifest);
        using (var stream = new FileStream(archive, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        var check = await BackupArchive.VerifyAsync(Root, "b1", readData: false, null, CancellationToken.None);

        Assert.False(check.Passed);
        Assert.Equal("state/b.bin", check.Damaged[0].Path);
        Assert.Matches("cut short|damaged inside this entry", check.Damaged[0].Problem);
        Assert.Contains(check.Damaged, d => d.Path == "c.txt");
        Assert.Contains(check.Damaged, d => d.Path == Path.GetFileName(archive) && d.Problem.Contains("cut short"));
        var e = await Assert.ThrowsAsync<BackupException>(() => BackupArchive.ExtractAsync(Root, "b1", Destination, null, null, CancellationToken.None));
        Assert.Equal((BackupFailure.Damaged, "state/b.bin"), (e.Failure, e.File));
        Assert.Contains("b1", e.Message);
        Assert.Empty(FilesUnder(Destination));
    }

    [Fact]
    public async Task A_missing_archive_is_reported_naming_the_backup_and_the_file()
    {
        var manifest = await Backup();
        var archive = BackupArchive.ArchivePath(Root, manifest);
        File.Delete(archive);

        var check = await BackupArchive.VerifyAsync(Root, "b1", readData: false, null, CancellationToken.None);
        Assert.False(check.Passed);
        Assert.Equal([Path.GetFileName(archive)], check.Damaged.Select(d => d.Path));
        Assert.Contains("missing", check.Damaged[0].Problem);
        var e = await Assert.ThrowsAsync<BackupException>(() => BackupArchive.ExtractAsync(Root, "b1", Destination, null, null, CancellationToken.None));
        Assert.Equal((BackupFailure.Damaged, "b1", Path.GetFileName(archive)), (e.Failure, e.BackupId, e.File));
        Assert.Contains(archive, e.Message);
    }

    [Theory]
    [InlineData("size")]
    [InlineData("sha256")]
    [InlineData("mode")]
    public async Task An_edited_manifest_is_damaged(string field)
    {
        await Backup();
        var json = JsonNode.Parse(File.ReadAllText(ManifestFile))!;
        var entry = json["entries"]![1]!;
        entry[field] = field switch
        {
            "size" => entry["size"]!.GetValue<long>() + 1,
            "sha256" => new string('0', 64),
            _ => "4777",
        };
        File.WriteAllText(ManifestFile, json.ToJsonString());

        var e = Assert.Throws<BackupException>(() => BackupArchive.ReadManifest(Root, "b1"));

        Assert.Equal((BackupFailure.Damaged, "b1", ManifestFile), (e.Failure, e.BackupId, e.File));
        Assert.Contains("edited or damaged", e.Message);
        var listed = Assert.Single(BackupArchive.List(Root));
        Assert.Equal(("b1", (BackupManifest?)null), (listed.Id, listed.Manifest));
        Assert.Contains("b1.manifest.json", listed.Problem);
        var check = await BackupArchive.VerifyAsync(Root, "b1", readData: false, null, CancellationToken.None);
        Assert.Equal(["b1.manifest.json"], check.Damaged.Select(d => d.Path));
        Assert.Equal(BackupFailure.Damaged, (await Assert.ThrowsAsync<BackupException>(() => BackupArchive.ExtractAsync(Root, "b1", Destination, null, null, CancellationToken.None))).Failure);
        Assert.Empty(FilesUnder(Destination));
    }

    [Fact]
    public async Task A_truncated_manifest_is_damaged_and_a_reformatted_one_is_not()
    {
        var manifest = await Backup();
        var text = File.ReadAllText(ManifestFile);

        // Whitespace is not content: the seal covers the canonical form.
        File.WriteAllText(ManifestFile, JsonNode.Parse(text)!.ToJsonString());
        AssertSameManifest(manifest, BackupArchive.ReadManifest(Root, "b1"));

        File.WriteAllText(ManifestFile, text[..(text.Length / 2)]);
        var e = Assert.Throws<BackupException>(() => BackupArchive.ReadManifest(Root, "b1"));
        Assert.Equal((BackupFailure.Damaged, ManifestFile), (e.Failure, e.File));
        Assert.Contains("truncated or damaged", e.Message);
    }

    [Fact]
    public async Task A_manifest_renamed_to_another_id_is_damaged()
    {
        await Backup();
        File.Move(ManifestFile, Path.Combine(Root, "b2.manifest.json"));

        var e = Assert.Throws<BackupException>(() => BackupArchive.ReadManifest(Root, "b2"));

        Assert.Equal(BackupFailure.Damaged, e.Failure);
        Assert.Contains("renamed", e.Message);
    }
}
