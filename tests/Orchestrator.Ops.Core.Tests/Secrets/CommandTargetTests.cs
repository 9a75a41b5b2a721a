using System.Diagnostics;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Secrets.Targets;
using static Orchestrator.Ops.Core.Tests.Secrets.TargetTestKit;

namespace Orchestrator.Ops.Core.Tests.Secrets;

public sealed class CommandTargetTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static CommandTarget Sh(string script, double timeoutSeconds = 10, params string[] args) =>
        new(new CommandSettings(["sh", "-c", script, "sh", .. args], TimeSpan.FromSeconds(timeoutSeconds)));

    [SkippableFact]
    public void The_value_comes_on_standard_input_and_only_there()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        var output = _temp.File("out");
        var target = Sh("cat > \"$1\"; printf %s \"$ORCHESTRATOR_OPS_SECRET_HAS_PREVIOUS\" > \"$1.previous\"; env > \"$1.env\"", 10, output);

        Apply(target, Current, Previous);

        Assert.Equal(Current, File.ReadAllText(output));
        Assert.Equal("1", File.ReadAllText(output + ".previous"));
        Assert.DoesNotContain("recognizable", File.ReadAllText(output + ".env"));
        Assert.DoesNotContain("recognizable", target.Display);
        Assert.DoesNotContain(target.Command.Command, a => a.Contains("recognizable", StringComparison.Ordinal));
        Assert.Null(target.ReadCurrent());

        Apply(target, Current, null);
        Assert.Equal("0", File.ReadAllText(output + ".previous"));
    }

    [SkippableFact]
    public void A_failing_command_is_an_error_with_its_exit_code_and_output_but_never_the_value()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        var target = Sh("echo 'starting'; cat >&2; echo; echo 'rejected the token above' >&2; exit 3");

        var e = Assert.Throws<SecretTargetException>(() => Apply(target, Current, Previous));

        Assert.Contains("exit code 3", e.Message);
        Assert.Contains("***", e.Message);
        Assert.Contains("rejected the token above", e.Message);
        Assert.Equal(target.Display, e.Target);
        AssertNoValue(e);
    }

    [SkippableFact]
    public void A_hanging_command_is_killed_at_its_timeout_with_what_it_started_and_the_error_holds_no_value()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        var marker = _temp.File("child.pid");
        var target = Sh("cat >&2; sleep 30 & echo $! > \"$1\"; wait", 1, marker);
        var clock = Stopwatch.StartNew();

        var e = Assert.Throws<SecretTargetException>(() => Apply(target, Current, null));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Contains("did not finish within 1 s", e.Message);
        Assert.Contains("***", e.Message);
        AssertNoValue(e);
        var child = int.Parse(File.ReadAllText(marker).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(!Directory.Exists($"/proc/{child}") || File.ReadAllText($"/proc/{child}/stat").Split(' ')[2] == "Z", "the sleep the command started is still running");
    }

    [SkippableFact]
    public void A_command_that_does_not_read_its_input_is_fine_when_it_succeeds()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        // A value larger than a pipe holds: writing it meets a pipe the command closed without reading.
        var marker = _temp.File("ran");
        var large = "big-" + new string('v', 1 << 20);
        // Were the write to wait for a reader, the 10 s timeout would end it and Apply would throw.
        var target = Sh("touch \"$1\"; exec 0<&-; exit 0", 10, marker);

        Apply(target, large, Previous);

        Assert.True(File.Exists(marker), "the command did not run");
    }

    [Fact]
    public void A_program_that_does_not_exist_is_found_by_check_and_fails_to_start()
    {
        var target = new CommandTarget(new CommandSettings(["/nonexistent/rotate-token", "--quiet"], TimeSpan.FromSeconds(5)));
        Assert.Contains(target.Check(), p => p.Contains("does not exist", StringComparison.Ordinal));
        var onPath = new CommandTarget(new CommandSettings(["no-such-program-" + Guid.NewGuid().ToString("N")], TimeSpan.FromSeconds(5)));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Contains(onPath.Check(), p => p.Contains("is not on the PATH", StringComparison.Ordinal));
            Assert.Empty(new CommandTarget(new CommandSettings(["sh", "-c", "true"], TimeSpan.FromSeconds(5))).Check());
        }

        var e = Assert.Throws<SecretTargetException>(() => Apply(target, Current, Previous));
        Assert.Contains("could not be started", e.Message);
        AssertNoValue(e);
    }

    [Fact]
    public void Masking_covers_both_values_the_lines_of_a_value_and_a_value_cut_at_the_start_of_the_kept_output()
    {
        var multiline = "first-line-of-it\r\nsecond-line-of-it";
        var output = "…" + Current[10..] + "\nsaw " + Previous + " and " + Current + "\nsecond-line-of-it alone\nend";

        var masked = CommandTarget.Masked(output, Value(Current), Value(Previous));
        // Output comes back line by line, so a value with "\r\n" shows with "\n": each of its lines is masked too.
        var maskedLines = CommandTarget.Masked("got first-line-of-it\nsecond-line-of-it\n", Value(multiline), null);

        Assert.Equal("…saw *** and ***\nsecond-line-of-it alone\nend", masked);
        Assert.Equal("got ***\n***", maskedLines);
    }
}
