using Orchestrator.Ops.Core.Secrets.Targets;
using static Orchestrator.Ops.Core.Tests.Secrets.TargetTestKit;

namespace Orchestrator.Ops.Core.Tests.Secrets;

public sealed class EnvFileTargetTests : IDisposable
{
    private const string Original = "# Blue slot of routellm\n; written by hand\n\nOTHER=keep me\nROUTELLM_TOKEN=stale\n  INDENTED = spaced out  \nMULTI=\"two\nlines\"\nno equals sign here\nLAST=x";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private EnvFileTarget Target(string name = "blue.env", bool strict = false, Action<string>? warn = null) =>
        new(_temp.File(name), "ROUTELLM_TOKEN", null, strict, warn);

    [Fact]
    public void The_value_and_the_previous_value_round_trip_and_every_other_byte_stays()
    {
        var path = _temp.Write("blue.env", Original);
        var target = Target();

        Apply(target, Current, Previous);

        Assert.Equal(
            Original.Replace("ROUTELLM_TOKEN=stale\n", $"ROUTELLM_TOKEN={Current}\nROUTELLM_TOKEN_PREVIOUS={Previous}\n", StringComparison.Ordinal),
            File.ReadAllText(path));
        Assert.Equal(Current, target.ReadCurrent()!.RevealString());
        Assert.Equal(OwnerOnly, Mode(path));
        Assert.Equal("env file " + path + " (ROUTELLM_TOKEN)", target.Display);

        // The grace period ends: the previous line goes, and the file is the original with the one value changed.
        Apply(target, Current, null);

        Assert.Equal(Original.Replace("ROUTELLM_TOKEN=stale", $"ROUTELLM_TOKEN={Current}", StringComparison.Ordinal), File.ReadAllText(path));
        Assert.Equal(Current, target.ReadCurrent()!.RevealString());
    }

    [Fact]
    public void A_missing_file_and_folder_are_created_owner_only()
    {
        var target = Target("conf/deep/green.env");

        Assert.Null(target.ReadCurrent());
        Assert.Empty(target.Check());
        Apply(target, Current, Previous);

        Assert.Equal($"ROUTELLM_TOKEN={Current}\nROUTELLM_TOKEN_PREVIOUS={Previous}\n", File.ReadAllText(target.Path));
        Assert.Equal(OwnerOnly, Mode(target.Path));
    }

    [Fact]
    public void A_file_without_the_variable_gets_it_at_the_end_and_the_named_previous_variable_beside_it()
    {
        var path = _temp.Write("blue.env", "A=1\r\nB=2");
        var target = new EnvFileTarget(path, "TOKEN", "TOKEN_OLD");

        Apply(target, Current, Previous);
        Assert.Equal($"A=1\r\nB=2\nTOKEN={Current}\nTOKEN_OLD={Previous}\n", File.ReadAllText(path));

        Apply(target, Current, null);
        Assert.Equal($"A=1\r\nB=2\nTOKEN={Current}\n", File.ReadAllText(path));
    }

    [Fact]
    public void Applying_the_same_values_again_leaves_the_file_untouched()
    {
        var path = _temp.Write("blue.env", Original);
        var target = Target();
        Apply(target, Current, Previous);
        var written = File.ReadAllBytes(path);
        var stamp = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);

        Apply(target, Current, Previous);

        Assert.Equal(written, File.ReadAllBytes(path));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
    }

    [Theory]
    [InlineData("plain-Value_1.2/3+4=5:6,7@8%9")]
    [InlineData("with space")]
    [InlineData("  leading and trailing  ")]
    [InlineData("quote\" backslash\\ dollar$HOME backtick` hash# semicolon;")]
    [InlineData("single'quote")]
    [InlineData("new\nline")]
    [InlineData("ends with backslash\\")]
    [InlineData("ünïcødé")]
    [InlineData("")]
    public void Any_value_is_written_so_the_systemd_reading_gives_it_back(string value)
    {
        var path = _temp.Write("blue.env", "# keep\nOTHER=1\n");
        var target = Target();

        Apply(target, value, value);

        Assert.Equal(value, target.ReadCurrent()!.RevealString());
        var document = EnvFileDocument.Parse(File.ReadAllText(path));
        Assert.Equal(value, document.Get("ROUTELLM_TOKEN_PREVIOUS"));
        Assert.Equal("1", document.Get("OTHER"));
        Assert.StartsWith("# keep\nOTHER=1\n", File.ReadAllText(path), StringComparison.Ordinal);
        var quoted = File.ReadAllText(path).Contains("ROUTELLM_TOKEN=\"", StringComparison.Ordinal);
        Assert.Equal(value.Length == 0 || !value.All(c => char.IsAsciiLetterOrDigit(c) || "_-.,:/@%+=".Contains(c)), quoted);
    }

    [SkippableFact]
    public void A_file_others_can_read_is_a_warning_or_in_strict_mode_an_error_and_stays_unchanged()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        var path = _temp.Write("blue.env", Original);
        SetMode(path, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var e = Assert.Throws<SecretTargetException>(() => Apply(Target(strict: true), Current, Previous));
        Assert.Contains("0644", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Contains("Strict", e.Message);
        AssertNoValue(e);
        Assert.Equal(Original, File.ReadAllText(path));
        Assert.Contains(Target().Check(), p => p.Contains("0644", StringComparison.Ordinal));

        var warnings = new List<string>();
        Apply(Target(warn: warnings.Add), Current, Previous);
        Assert.Contains("0644", Assert.Single(warnings));
        Assert.Equal(OwnerOnly, Mode(path));
        Assert.Empty(Target().Check());
    }

    [SkippableFact]
    public void A_folder_that_is_not_writable_is_found_by_check_and_the_write_fails_leaving_the_file_as_it_was()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        var path = _temp.Write("ro/blue.env", Original);
        SetMode(path, OwnerOnly);
        var target = new EnvFileTarget(path, "ROUTELLM_TOKEN");
        using var readOnly = new ReadOnlyFolder(Path.GetDirectoryName(path)!);
        Skip.If(!readOnly.Enforced, ReadOnlyFolder.NotEnforcedReason);

        Assert.Contains(target.Check(), p => p.Contains("is not writable", StringComparison.Ordinal));
        var e = Assert.Throws<SecretTargetException>(() => Apply(target, Current, Previous));

        Assert.Contains("could not be written", e.Message);
        Assert.Contains("still holds its previous contents", e.Message);
        Assert.Equal(target.Display, e.Target);
        AssertNoValue(e);
        Assert.Equal(Original, File.ReadAllText(path));
    }

    [Fact]
    public void A_folder_that_cannot_be_created_is_found_by_check_and_the_write_fails_without_the_value()
    {
        _temp.Write("blocker", "a file, not a folder");
        var target = new EnvFileTarget(_temp.File("blocker/sub/blue.env"), "ROUTELLM_TOKEN");

        Assert.Contains(target.Check(), p => p.Contains("cannot be created", StringComparison.Ordinal));
        var e = Assert.Throws<SecretTargetException>(() => Apply(target, Current, Previous));

        Assert.Contains("could not be written", e.Message);
        AssertNoValue(e);
        Assert.Equal("a file, not a folder", File.ReadAllText(_temp.File("blocker")));
    }

    [Fact]
    public void A_value_that_is_not_text_is_refused_without_showing_it()
    {
        var path = _temp.Write("blue.env", Original);

        var e = Assert.Throws<SecretTargetException>(() =>
            Target().ApplyAsync(Orchestrator.Ops.Core.Secrets.SecretValue.FromBytes([0x41, 0xFF, 0x42]), null, CancellationToken.None).GetAwaiter().GetResult());

        Assert.Contains("not UTF-8", e.Message);
        Assert.Equal(Original, File.ReadAllText(path));
    }

    [Fact]
    public void Names_that_are_not_variable_names_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new EnvFileTarget(_temp.File("a.env"), "1BAD"));
        Assert.Throws<ArgumentException>(() => new EnvFileTarget(_temp.File("a.env"), "GOOD", "GOOD"));
        Assert.Throws<ArgumentException>(() => new EnvFileTarget(_temp.File("a.env"), "GOOD", "NOT-OK"));
    }
}
