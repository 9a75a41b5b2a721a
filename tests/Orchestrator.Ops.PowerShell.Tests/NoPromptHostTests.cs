using Orchestrator.Ops.PowerShell.Tests.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Tests;

/// <summary>
/// The harness of <see cref="NoPromptTests"/> can fail: every way a script or a cmdlet can ask a person something is
/// recorded by <see cref="FailingPromptHost"/>, with who asked, and refused at once instead of waiting.
/// </summary>
public sealed class NoPromptHostTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ops-ps-noprompt-host-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FailingPromptHost _host = new();
    private readonly PowerShellSession _ps;

    public NoPromptHostTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "ops.json"), """
            {
              "wrappers": [ { "name": "routellm", "kind": "routellm" } ],
              "slots": { "blue": { "routellm": "http://127.0.0.1:9" }, "green": { "routellm": "http://127.0.0.1:9" } }
            }
            """);
        _ps = new PowerShellSession(_dir, _host, iss => iss.Commands.Add(ShouldContinueProbeCommand.Entry));
    }

    public void Dispose()
    {
        _ps.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Runs the script, which must ask exactly once, and returns what was recorded.</summary>
    private PromptRecord AsksOnce(string script)
    {
        _host.ClearPrompts();
        _host.CurrentInvocation = script;
        var run = _ps.InvokeWithin(Bound, script);

        Assert.False(run.TimedOut, $"'{script}' waited instead of failing");
        Assert.True(run.Failure is not null || run.Errors.Count > 0, $"'{script}' was refused its prompt, so it must fail");
        Assert.DoesNotContain(run.Output, o => o.BaseObject is bool);
        var record = Assert.Single(_host.Prompts);
        Assert.Equal(script, record.Invocation);
        return record;
    }

    [Theory]
    [InlineData("$Host.UI.ReadLine()", "ReadLine")]
    [InlineData("$Host.UI.ReadLineAsSecureString()", "ReadLineAsSecureString")]
    [InlineData("$Host.UI.PromptForChoice('Caption', 'Message', [System.Management.Automation.Host.ChoiceDescription[]] @('&Yes', '&No'), 0)", "PromptForChoice")]
    // PowerShell's wrapper of the host UI turns the four-argument overload into the six-argument one.
    [InlineData("$Host.UI.PromptForCredential('Caption', 'Message', 'user', 'target')", "PromptForCredential (types, options)")]
    [InlineData("$Host.UI.PromptForCredential('Caption', 'Message', 'user', 'target', 'Generic', 'None')", "PromptForCredential (types, options)")]
    [InlineData("$Host.UI.Prompt('Caption', 'Message', [System.Collections.ObjectModel.Collection[System.Management.Automation.Host.FieldDescription]] @([System.Management.Automation.Host.FieldDescription]::new('Field')))", "Prompt")]
    [InlineData("$Host.UI.RawUI.ReadKey()", "RawUI.ReadKey")]
    [InlineData("$Host.EnterNestedPrompt()", "EnterNestedPrompt")]
    public void Every_host_prompt_is_recorded_and_refused(string script, string kind)
    {
        var record = AsksOnce(script);

        Assert.Equal(kind, record.Kind);
        Assert.Equal("PowerShell", record.Caller);
    }

    [Fact]
    public void The_overload_PowerShell_never_calls_is_refused_too()
    {
        Assert.Throws<System.Management.Automation.PSInvalidOperationException>(() => _host.UI.PromptForCredential("Caption", "Message", "user", "target"));

        Assert.Equal("PromptForCredential", Assert.Single(_host.Prompts).Kind);
    }

    [Theory]
    [InlineData("Read-Host")]
    [InlineData("Read-Host -Prompt 'Name'")]
    [InlineData("Read-Host -AsSecureString")]
    [InlineData("Get-Credential -UserName someone")]
    public void The_prompting_cmdlets_of_PowerShell_are_refused(string script) => AsksOnce(script);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ShouldContinue_goes_through_PromptForChoice_and_is_caught(int overload)
    {
        var record = AsksOnce($"{ShouldContinueProbeCommand.Name} -Overload {overload}");

        Assert.Equal("PromptForChoice", record.Kind);
        Assert.Contains("Probe query?", record.What);
    }

    [Fact]
    public void A_hang_is_stopped_at_the_bound_and_reported_as_one()
    {
        // Stands for a cmdlet that waits forever on something no prompt shows.
        var run = _ps.InvokeWithin(TimeSpan.FromSeconds(1), "Start-Sleep -Seconds 600; 'finished'");

        Assert.True(run.TimedOut);
        Assert.False(run.StopFailed);
        Assert.False(run.Succeeded);
        Assert.Empty(run.Output);
        Assert.InRange(run.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.StartsWith("timed out after", run.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_module_cmdlet_asked_to_confirm_is_caught_and_named()
    {
        var record = AsksOnce("New-RollbackPoint -ConfigPath ./ops.json -Description probe -Confirm");

        Assert.Equal("PromptForChoice", record.Kind);
        Assert.StartsWith("Orchestrator.Ops.PowerShell.Commands.NewRollbackPointCommand.", record.Caller, StringComparison.Ordinal);
        Assert.Contains("Record a rollback point", record.What);
    }

    [Fact]
    public void A_low_ConfirmPreference_without_Confirm_false_is_caught()
    {
        // New-RollbackPoint's ConfirmImpact is Low: at $ConfirmPreference = 'Low' it asks unless told not to.
        var record = AsksOnce("& { $ConfirmPreference = 'Low'; New-RollbackPoint -ConfigPath ./ops.json -Description probe }");

        Assert.Equal("PromptForChoice", record.Kind);
        Assert.Contains("NewRollbackPointCommand", record.Caller);

        _host.ClearPrompts();
        var quiet = _ps.InvokeWithin(Bound, "& { $ConfirmPreference = 'Low'; New-RollbackPoint -ConfigPath ./ops.json -Description probe -Confirm:$false }");
        Assert.True(quiet.Succeeded, quiet.Describe());
        Assert.Empty(_host.Prompts);
    }
}
