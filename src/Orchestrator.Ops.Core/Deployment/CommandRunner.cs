using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>What a configured command did: its exit code (null when killed at its timeout) and the tail of its output.</summary>
public sealed record CommandOutcome(string Command, int? ExitCode, bool TimedOut, TimeSpan Duration, string Output)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}

/// <summary>
/// What a command gets besides its arguments: bytes written to its standard input (which is then closed) and variables added
/// to its environment. Meant for values that must not appear on a command line, where every user of the machine can see them.
/// </summary>
public sealed class CommandInput
{
    /// <summary>Written to the command's standard input, which is closed afterwards. The caller owns (and may zero) the memory.</summary>
    public ReadOnlyMemory<byte> StandardInput { get; init; }

    /// <summary>Added to (or replacing in) the environment the command inherits.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public override string ToString() => $"CommandInput({StandardInput.Length} bytes on standard input)";
}

/// <summary>Runs a configured command (deployment tests and hooks, secret-target commands) through <see cref="ChildProcess"/>, with its placeholders filled in.</summary>
public static class CommandRunner
{
    public static Task<CommandOutcome> RunAsync(CommandSettings settings, IReadOnlyDictionary<string, string> substitutions, string workingDirectory, CancellationToken cancellationToken) =>
        RunAsync(settings, substitutions, workingDirectory, null, cancellationToken);

    /// <summary>Runs the command as the overload without <paramref name="input"/> does, feeding it <paramref name="input"/>; with none its standard input is closed at once.</summary>
    public static async Task<CommandOutcome> RunAsync(CommandSettings settings, IReadOnlyDictionary<string, string> substitutions, string workingDirectory, CommandInput? input, CancellationToken cancellationToken)
    {
        var args = settings.Command.Select(a => substitutions.Aggregate(a, (s, kv) => s.Replace("{" + kv.Key + "}", kv.Value, StringComparison.Ordinal))).ToList();
        var options = new ChildProcessOptions
        {
            Timeout = settings.Timeout,
            WorkingDirectory = workingDirectory,
            Environment = input?.Environment,
            StandardInput = input?.StandardInput ?? ReadOnlyMemory<byte>.Empty,
        };
        try
        {
            var r = await ChildProcess.RunAsync(args, options, cancellationToken).ConfigureAwait(false);
            return new CommandOutcome(r.CommandLine, r.ExitCode, r.TimedOut, r.Duration, r.Output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new DeploymentException(DeploymentFailure.CommandFailed, $"'{args[0]}' could not be started: {ex.Message}", ex) { Target = string.Join(' ', args) };
        }
    }
}
