using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Tests.Infrastructure;

/// <summary>When a secret cmdlet may ask for the vault passphrase: only with every sign of a person at a console.</summary>
public sealed class PromptPolicyTests
{
    private static readonly string[] Pwsh = ["/opt/microsoft/powershell/7/pwsh.dll"];

    private static string[] Args(params string[] args) => [.. Pwsh, .. args];

    [Theory]
    [InlineData("ConsoleHost")]
    [InlineData("Visual Studio Code Host")]
    public void A_person_at_the_console_or_in_VS_Code_may_be_asked(string host)
    {
        Assert.True(PromptPolicy.CanPrompt(host, inputRedirected: false, userInteractive: true, Args("-NoProfile")));
    }

    [Theory]
    [InlineData("Default Host")] // a runspace made in code, Start-ThreadJob, Azure Automation's sandboxes
    [InlineData("ServerRemoteHost")] // a remoting session
    [InlineData("FailingPromptHost")]
    [InlineData("consolehost")] // host names are exact
    [InlineData("")]
    [InlineData(null)]
    public void Any_other_host_is_never_asked(string? host)
    {
        Assert.False(PromptPolicy.CanPrompt(host, inputRedirected: false, userInteractive: true, Args()));
    }

    [Fact]
    public void Input_that_is_not_a_terminal_means_nobody_is_typing()
    {
        // cron and systemd connect /dev/null or a pipe, also to a `pwsh -Command ...` they start.
        Assert.False(PromptPolicy.CanPrompt("ConsoleHost", inputRedirected: true, userInteractive: true, Args("-Command", "Get-ManagedSecret")));
    }

    [Fact]
    public void A_process_that_is_not_user_interactive_is_never_asked()
    {
        Assert.False(PromptPolicy.CanPrompt("ConsoleHost", inputRedirected: false, userInteractive: false, Args()));
    }

    [Theory]
    [InlineData("-NonInteractive")]
    [InlineData("-noninteractive")]
    [InlineData("-noni")]
    [InlineData("-NonI")]
    [InlineData("-nonint")]
    [InlineData("--noninteractive")]
    [InlineData("/NonInteractive")]
    public void NonInteractive_in_any_form_pwsh_accepts_means_no_prompt(string flag)
    {
        Assert.True(PromptPolicy.HasNonInteractiveSwitch(Args("-NoProfile", flag, "-File", "task.ps1")));
        Assert.False(PromptPolicy.CanPrompt("ConsoleHost", inputRedirected: false, userInteractive: true, Args(flag)));
    }

    [Theory]
    [InlineData("-non")] // too short to be unambiguous: not pwsh's switch
    [InlineData("-NoProfile")]
    [InlineData("-NoLogo")]
    [InlineData("noninteractive")] // a plain word, e.g. an argument of the script
    [InlineData("-NonInteractiveX")]
    public void Other_arguments_are_not_the_switch(string argument)
    {
        Assert.False(PromptPolicy.HasNonInteractiveSwitch(Args(argument)));
    }

    [Fact]
    public void The_program_itself_is_not_an_argument()
    {
        Assert.False(PromptPolicy.HasNonInteractiveSwitch(["-noni"]));
    }
}
