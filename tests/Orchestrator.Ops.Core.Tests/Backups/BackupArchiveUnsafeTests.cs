using System.Formats.Tar;
using Orchestrator.Ops.Core.Backups;
using static Orchestrator.Ops.Core.Tests.Backups.BackupTestKit;

namespace Orchestrator.Ops.Core.Tests.Backups;

/// <summary>
/// Hand-crafted archives whose manifests are consistent and correctly sealed, as a forger would make them: extraction
/// must refuse them by what the entries are, before it writes anything.
/// </summary>
public sealed class BackupArchiveUnsafeTests : IDisposable
{
    private static readonly byte[] Ok = "fine\n"u8.ToArray();
    private static readonly byte[] Evil = "#!/bin/sh\necho pwned\n"u8.ToArray();

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Root => _dir.File("backups");

    /// <summary>A fresh destination two levels down, so '../evil' and '../../evil' land inside the temp folder if written.</summary>
    private string Destination => _dir.File("restore/here");

    private async Task<BackupException> AssertRefused(string id, string entry)
    {
        var e = await Assert.ThrowsAsync<BackupException>(() => BackupArchive.ExtractAsync(Root, id, Destination, null, null, CancellationToken.None));
        Assert.Equal((BackupFailure.Unsafe, id, entry), (e.Failure, e.BackupId, e.File));
        Assert.Contains(entry, e.Message);
        Assert.Empty(FilesUnder(_dir.File("restore")));
        Assert.DoesNotContain(FilesUnder(_dir.Path), f => f.EndsWith("evil", StringComparison.Ordinal));

        var check = await BackupArchive.VerifyAsync(Root, id, readData: true, null, CancellationToken.None);
        Assert.False(check.Passed);
        Assert.Contains(check.Damaged, d => d.Path == entry);
        return e;
    }

    [Fact]
    public async Task A_dot_dot_entry_is_refused_even_when_the_manifest_lists_it()
    {
        Craft(Root, "b1", [EntryFor("ok.txt", Ok), EntryFor("../evil", Evil)], tar =>
        {
            AddFile(tar, "ok.txt", Ok);
            AddFile(tar, "../evil", Evil);
        });

        var e = await AssertRefused("b1", "../evil");

        Assert.Contains("'..'", e.Message);
    }

    [Fact]
    public async Task A_dot_dot_entry_the_manifest_does_not_list_is_refused()
    {
        Craft(Root, "b1", [EntryFor("ok.txt", Ok)], tar =>
        {
            AddFile(tar, "ok.txt", Ok);
            AddFile(tar, "state/../../../evil", Evil);
        });

        await AssertRefused("b1", "state/../../../evil");
    }

    [Fact]
    public async Task An_absolute_path_is_refused()
    {
        var absolute = _dir.File("evil");
        Craft(Root, "b1", [EntryFor("ok.txt", Ok), EntryFor(absolute.TrimStart('/'), Evil)], tar =>
        {
            AddFile(tar, "ok.txt", Ok);
            AddFile(tar, absolute, Evil);
        });

        var e = await AssertRefused("b1", absolute);

        Assert.Contains("absolute", e.Message);
        Assert.False(File.Exists(absolute));
    }

    [Fact]
    public async Task A_symlink_pointing_outside_is_refused_and_nothing_is_written_through_it()
    {
        var outside = _dir.File("outside");
        Directory.CreateDirectory(outside);
        Craft(Root, "b1", [EntryFor("ok.txt", Ok), EntryFor("link/evil", Evil)], tar =>
        {
            AddFile(tar, "ok.txt", Ok);
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = outside });
            AddFile(tar, "link/evil", Evil);
        });

        var e = await AssertRefused("b1", "link");

        Assert.Contains("SymbolicLink", e.Message);
        Assert.Empty(FilesUnder(outside));
    }

    [Fact]
    public async Task A_hard_link_is_refused()
    {
        Craft(Root, "b1", [EntryFor("ok.txt", Ok)], tar =>
        {
            AddFile(tar, "ok.txt", Ok);
            tar.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "hard") { LinkName = "/etc/passwd" });
        });

        await AssertRefused("b1", "hard");
    }

    [Fact]
    public async Task An_entry_missing_from_the_manifest_is_refused()
    {
        Craft(Root, "b1", [EntryFor("ok.txt", Ok)], tar =>
        {
            AddFile(tar, "ok.txt", Ok);
            AddFile(tar, "extra.sh", Evil);
        });

        await AssertRefused("b1", "extra.sh");
    }

    [Fact]
    public async Task A_link_planted_in_the_destination_is_not_followed()
    {
        var outside = _dir.File("outside");
        Directory.CreateDirectory(outside);
        Directory.CreateDirectory(Destination);
        Directory.CreateSymbolicLink(Path.Combine(Destination, "state"), outside);
        await BackupArchive.WriteAsync(Root, Header("b1"), [Put(_dir, "state/ops.db", Evil)], null, CancellationToken.None);

        var e = await Assert.ThrowsAsync<BackupException>(() => BackupArchive.ExtractAsync(Root, "b1", Destination, null, null, CancellationToken.None));

        Assert.Equal((BackupFailure.Unsafe, "state/ops.db"), (e.Failure, e.File));
        Assert.Empty(FilesUnder(outside));
    }

    [Fact]
    public async Task A_crafted_archive_with_only_safe_entries_extracts()
    {
        // The control: the same crafting, nothing hostile, so the refusals above are about the entries.
        Craft(Root, "b1", [EntryFor("ok.txt", Ok), EntryFor("dir/evil-not.txt", Evil)], tar =>
        {
            AddFile(tar, "ok.txt", Ok);
            AddFile(tar, "dir/evil-not.txt", Evil);
        });

        var written = await BackupArchive.ExtractAsync(Root, "b1", Destination, null, null, CancellationToken.None);

        Assert.Equal(["ok.txt", "dir/evil-not.txt"], written.Select(w => w.Path));
        Assert.Equal(Evil, File.ReadAllBytes(Path.Combine(Destination, "dir/evil-not.txt")));
    }
}
