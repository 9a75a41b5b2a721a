using Orchestrator.Ops.Core.Secrets.Targets;
using static Orchestrator.Ops.Core.Tests.Secrets.TargetTestKit;

namespace Orchestrator.Ops.Core.Tests.Secrets;

public sealed class FileTargetTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private FileTarget Target(bool strict = false, Action<string>? warn = null) =>
        new(_temp.File("service/api-key"), _temp.File("service/api-key.previous"), strict, warn);

    [Fact]
    public void The_value_and_the_previous_value_round_trip_as_exact_bytes_and_the_previous_file_goes_when_done()
    {
        var target = Target();
        Assert.Null(target.ReadCurrent());

        Apply(target, Current, Previous);

        Assert.Equal(Current, File.ReadAllText(target.Path));
        Assert.Equal(Previous, File.ReadAllText(target.PreviousPath!));
        Assert.Equal(Current, target.ReadCurrent()!.RevealString());
        Assert.Equal(OwnerOnly, Mode(target.Path));
        Assert.Equal(OwnerOnly, Mode(target.PreviousPath!));
        Assert.Equal("file " + target.Path, target.Display);

        Apply(target, Current, null);

        Assert.Equal(Current, File.ReadAllText(target.Path));
        Assert.False(File.Exists(target.PreviousPath));
        Apply(target, Current, null);
        Assert.False(File.Exists(target.PreviousPath));
    }

    [Fact]
    public void Reading_back_drops_one_trailing_newline()
    {
        var target = Target();
        _temp.Write("service/api-key", "key-written-by-hand\n");
        Assert.Equal("key-written-by-hand", target.ReadCurrent()!.RevealString());

        _temp.Write("service/api-key", "key-written-on-windows\r\n");
        Assert.Equal("key-written-on-windows", target.ReadCurrent()!.RevealString());
    }

    [Fact]
    public void Applying_the_same_values_again_leaves_the_files_untouched()
    {
        var target = Target();
        Apply(target, Current, Previous);
        var stamp = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(target.Path, stamp);
        File.SetLastWriteTimeUtc(target.PreviousPath!, stamp);

        Apply(target, Current, Previous);

        Assert.Equal(stamp, File.GetLastWriteTimeUtc(target.Path));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(target.PreviousPath!));
        Assert.Equal(Current, File.ReadAllText(target.Path));
    }

    [SkippableFact]
    public void A_file_others_can_read_is_a_warning_or_in_strict_mode_an_error()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        var path = _temp.Write("service/api-key", "old-key");
        SetMode(path, OwnerOnly | UnixFileMode.OtherRead);

        var e = Assert.Throws<SecretTargetException>(() => Apply(Target(strict: true), Current, Previous));
        Assert.Contains("0604", e.Message);
        AssertNoValue(e);
        Assert.Equal("old-key", File.ReadAllText(path));
        Assert.False(File.Exists(Target().PreviousPath));

        var warnings = new List<string>();
        Apply(Target(warn: warnings.Add), Current, Previous);
        Assert.Contains(path, Assert.Single(warnings));
        Assert.Equal(OwnerOnly, Mode(path));
    }

    [SkippableFact]
    public void A_loose_previous_file_about_to_be_removed_is_not_a_reason_to_refuse()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        var target = Target(strict: true);
        Apply(target, Current, Previous);
        SetMode(target.PreviousPath!, OwnerOnly | UnixFileMode.OtherRead);

        Assert.Throws<SecretTargetException>(() => Apply(target, Current, Previous));
        Apply(target, Current, null);

        Assert.False(File.Exists(target.PreviousPath));
    }

    [SkippableFact]
    public void A_folder_that_is_not_writable_fails_the_write_and_changes_nothing()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        var target = Target();
        Apply(target, Previous, null);
        using var readOnly = new ReadOnlyFolder(Path.GetDirectoryName(target.Path)!);
        Skip.If(!readOnly.Enforced, ReadOnlyFolder.NotEnforcedReason);

        Assert.Contains(target.Check(), p => p.Contains("is not writable", StringComparison.Ordinal));
        var e = Assert.Throws<SecretTargetException>(() => Apply(target, Current, Previous));
        AssertNoValue(e);
        Assert.Equal(Previous, File.ReadAllText(target.Path));
        Assert.False(File.Exists(target.PreviousPath));
    }

    [Fact]
    public void When_the_previous_file_cannot_be_written_the_value_file_is_not_changed_either()
    {
        var path = _temp.Write("key", "old-key");
        _temp.Write("blocker", "a file, not a folder");
        var target = new FileTarget(path, _temp.File("blocker/key.previous"));

        Assert.Contains(target.Check(), p => p.Contains("cannot be created", StringComparison.Ordinal));
        var e = Assert.Throws<SecretTargetException>(() => Apply(target, Current, Previous));

        Assert.Contains("previous-value file", e.Message);
        Assert.Contains("Nothing was changed", e.Message);
        AssertNoValue(e);
        Assert.Equal("old-key", File.ReadAllText(path));
    }

    [Fact]
    public void A_folder_where_the_file_should_be_is_a_problem_and_an_error()
    {
        Directory.CreateDirectory(_temp.File("key"));
        var target = new FileTarget(_temp.File("key"));

        Assert.Contains(target.Check(), p => p.Contains("is a folder", StringComparison.Ordinal));
        var e = Assert.Throws<SecretTargetException>(() => Apply(target, Current, null));
        Assert.Contains("could not be written", e.Message);
        AssertNoValue(e);
    }
}
