namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>
/// When a cmdlet may ask a person for something (today only the vault passphrase). A scheduled script — cron, a systemd
/// timer, Azure Automation, a CI job, any hosted runspace — must fail at once with an error that says what to set, never
/// wait at a prompt nobody sees. So asking is the exception, allowed only when every sign says a person is there:
/// <list type="bullet">
/// <item>the host is PowerShell's own console or the VS Code extension's (<see cref="InteractiveHosts"/>); any other
/// host (Default Host of a runspace made in code, Azure Automation's, a job's, a test's) never asks;</item>
/// <item>standard input is a terminal (<c>Console.IsInputRedirected</c> is false). A scheduler gives none — cron and
/// systemd connect /dev/null or a pipe — so this also covers <c>pwsh -Command</c> started from a non-interactive
/// parent, which the command line alone cannot tell from a person typing it;</item>
/// <item>PowerShell was not started with -NonInteractive (or any abbreviation pwsh accepts, from -noni);</item>
/// <item><c>Environment.UserInteractive</c> is true (false for a Windows service; always true on Linux).</item>
/// </list>
/// </summary>
internal static class PromptPolicy
{
    /// <summary>The <c>$Host.Name</c> of the hosts a person types into.</summary>
    public static readonly IReadOnlyList<string> InteractiveHosts = ["ConsoleHost", "Visual Studio Code Host"];

    /// <summary>The rule for this process and <paramref name="hostName"/>.</summary>
    public static bool CanPrompt(string? hostName) =>
        CanPrompt(hostName, Console.IsInputRedirected, Environment.UserInteractive, Environment.GetCommandLineArgs());

    /// <summary>The rule, from its inputs.</summary>
    /// <param name="commandLine">The process's arguments, the program itself first (as Environment.GetCommandLineArgs gives them).</param>
    public static bool CanPrompt(string? hostName, bool inputRedirected, bool userInteractive, IReadOnlyList<string> commandLine) =>
        hostName is not null
        && InteractiveHosts.Contains(hostName, StringComparer.Ordinal)
        && !inputRedirected
        && userInteractive
        && !HasNonInteractiveSwitch(commandLine);

    /// <summary>
    /// Whether the arguments hold pwsh's -NonInteractive switch: -, -- or / followed by any prefix of "NonInteractive" from
    /// "noni" on, in any case. Every argument is looked at, even those after -File or -Command that belong to the script:
    /// a false match only means no prompt, which is the safe side.
    /// </summary>
    public static bool HasNonInteractiveSwitch(IReadOnlyList<string> commandLine) =>
        commandLine.Skip(1).Any(IsNonInteractiveSwitch);

    private static bool IsNonInteractiveSwitch(string argument)
    {
        var name = argument.TrimStart('-', '/');
        return name.Length >= 4 && name.Length < argument.Length && "NonInteractive".StartsWith(name, StringComparison.OrdinalIgnoreCase);
    }
}
