using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Orchestrator.Ops.Core.IO;
using Orchestrator.Ops.Tests.Shared;

namespace Orchestrator.Ops.Core.Tests.IO;

/// <summary>The file toolkit every capability shares: atomic writes, owner-only files and folders, locks, actor, hashes.</summary>
/// <remarks>File modes are Unix's; the tests run on Linux, the platform the module supports.</remarks>
[UnsupportedOSPlatform("windows")]
public sealed class FileToolkitTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AtomicFile_replaces_the_whole_file_and_leaves_no_temporary_behind()
    {
        var path = _dir.File("a/b/settings.json");
        AtomicFile.WriteAllText(path, "old");
        AtomicFile.WriteAllText(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["settings.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void AtomicFile_without_overwrite_refuses_an_existing_file_and_keeps_it()
    {
        var path = _dir.Write("report.md", "first");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, null, s => s.Write("second"u8), overwrite: false));

        Assert.Equal("first", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void AtomicFile_removes_its_temporary_when_the_content_cannot_be_written()
    {
        var path = _dir.File("half.txt");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, null, _ => throw new InvalidOperationException("boom")));

        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void AtomicFile_gives_a_kept_mode_back_exactly_whatever_the_umask()
    {
        // 0664 is wider than the usual umask 022 allows at creation: only an explicit chmod gives it back.
        var wide = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead;
        var path = _dir.File("upstream.conf");

        AtomicFile.WriteAllBytes(path, "server 127.0.0.1:1;"u8.ToArray(), wide);

        Assert.Equal(wide, File.GetUnixFileMode(path));
    }

    [Fact]
    public void AtomicFile_CopyOver_keeps_the_given_mode_and_the_source_time()
    {
        var source = _dir.Write("staged/data.bin", "restored");
        var when = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(source, when);
        var target = _dir.Write("live/data.bin", "current");

        AtomicFile.CopyOver(source, target, OwnerOnly.FileMode);

        Assert.Equal("restored", File.ReadAllText(target));
        Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(target));
        Assert.Equal(when, File.GetLastWriteTimeUtc(target));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public void OwnerOnly_creates_0700_folders_and_0600_files_and_names_a_loose_mode_with_its_fix()
    {
        var folder = _dir.File("secrets/nested");
        OwnerOnly.CreateFolder(folder);
        Assert.Equal(OwnerOnly.FolderMode, File.GetUnixFileMode(folder));

        var file = Path.Combine(folder, "key");
        OwnerOnly.WriteNew(file, "k"u8);
        Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(file));
        Assert.True(OwnerOnly.HasOwnerOnlyMode(file));
        Assert.Null(OwnerOnly.LooseModeMessage(file, "key file"));
        Assert.Throws<IOException>(() => OwnerOnly.WriteNew(file, "again"u8));

        File.SetUnixFileMode(file, OwnerOnly.FileMode | UnixFileMode.GroupRead);
        var message = OwnerOnly.LooseModeMessage(file, "key file");
        Assert.NotNull(message);
        Assert.Contains("0640", message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 '{file}'", message, StringComparison.Ordinal);
        Assert.False(OwnerOnly.HasOwnerOnlyMode(file));
    }

    [Fact]
    public void FileLocks_refuse_a_second_holder_at_once_naming_the_first_and_let_it_in_after_release()
    {
        var resource = _dir.File("vault.bin.lock");
        var locks = new FileLocks();

        using (var first = locks.Acquire(resource, "Update-Secret", TimeSpan.Zero))
        {
            Assert.Equal(resource, first.Resource);
            Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(resource));
            Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(resource + "-holder"));

            var refused = Assert.Throws<ResourceLockedException>(() => locks.Acquire(resource, "New-Backup", TimeSpan.Zero));
            Assert.Equal(resource, refused.Resource);
            Assert.Equal(Actor.Current + $" (pid {Environment.ProcessId}, Update-Secret)", refused.Holder[..refused.Holder.IndexOf(" since ", StringComparison.Ordinal)]);
            Assert.Contains(refused.Holder, refused.Message, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(resource + "-holder"));
        using var second = locks.Acquire(resource, "New-Backup", TimeSpan.Zero);
        Assert.Contains("New-Backup", File.ReadAllText(resource + "-holder"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileLocks_wait_for_a_holder_that_releases_within_the_wait()
    {
        var resource = _dir.File("targets.lock");
        var locks = new FileLocks();
        var first = locks.Acquire(resource, "first", TimeSpan.Zero);
        var release = Task.Run(async () =>
        {
            await Task.Delay(200);
            first.Dispose();
        });

        using var second = locks.Acquire(resource, "second", TimeSpan.FromSeconds(20));

        await release;
        Assert.Contains("second", File.ReadAllText(resource + "-holder"), StringComparison.Ordinal);
    }

    [Fact]
    public void FileLocks_stop_waiting_when_cancelled()
    {
        var resource = _dir.File("busy.lock");
        var locks = new FileLocks();
        using var held = locks.Acquire(resource, "holder", TimeSpan.Zero);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        Assert.ThrowsAny<OperationCanceledException>(() => locks.Acquire(resource, "waiter", TimeSpan.FromMinutes(5), cts.Token));
    }

    [Fact]
    public void Sha256Hex_is_lowercase_and_compares_either_case()
    {
        var data = Encoding.UTF8.GetBytes("orchestrator");
        var expected = Convert.ToHexString(SHA256.HashData(data));

        var hex = Sha256Hex.Of(data);

        Assert.Equal(expected.ToLowerInvariant(), hex);
        Assert.True(Sha256Hex.AreEqual(hex, expected));
        Assert.False(Sha256Hex.AreEqual(hex, Sha256Hex.Of("other"u8)));
        Assert.Equal(hex, Sha256Hex.OfFile(_dir.Write("f.txt", "orchestrator")));
    }

    [Fact]
    public void Actor_is_user_at_host()
    {
        Assert.Equal($"{Environment.UserName}@{Environment.MachineName}", Actor.Current);
        Assert.StartsWith(Actor.Current + $" (pid {Environment.ProcessId}, Test) since 2026-12-07 10:00:00Z", Actor.Holding("Test", new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero)), StringComparison.Ordinal);
    }
}
