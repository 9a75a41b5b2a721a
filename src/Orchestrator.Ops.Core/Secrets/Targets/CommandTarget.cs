using System.Security.Cryptography;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;

namespace Orchestrator.Ops.Core.Secrets.Targets;

/// <summary>
/// A command that puts the value somewhere the module cannot write itself (a provider's CLI, a secret store). It runs without a
/// shell and gets the value on standard input only (UTF-8 bytes as stored, then end of input): never in its arguments or its
/// environment, where other users of the machine could see it. <see cref="HasPreviousVariable"/> tells it whether a previous value
/// is still valid. Whatever it prints is shown only with every occurrence of the values replaced by "***".
/// </summary>
public sealed class CommandTarget : ISecretTarget
{
    /// <summary>Set to 1 in the command's environment while a previous value is still valid (grace period), else 0.</summary>
    public const string HasPreviousVariable = "ORCHESTRATOR_OPS_SECRET_HAS_PREVIOUS";

    /// <summary>How much of the command's output (its tail) an error shows.</summary>
    internal const int OutputShown = 2000;

    private const string Mask = "***";

    /// <param name="command">The program, its arguments, and its timeout (the whole process tree is killed at it).</param>
    /// <param name="workingDirectory">Where it runs; default the current directory.</param>
    public CommandTarget(CommandSettings command, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Command.Count == 0 || string.IsNullOrEmpty(command.Command[0]))
        {
            throw new ArgumentException("A command target needs a program to run.", nameof(command));
        }

        Command = command;
        WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory;
        Display = new SecretTargetDefinition { Kind = SecretTargetKind.Command, Command = command }.Display;
    }

    public CommandSettings Command { get; }

    public string WorkingDirectory { get; }

    public string Display { get; }

    public async Task ApplyAsync(SecretValue current, SecretValue? previous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        var bytes = current.RevealBytes();
        CommandOutcome outcome;
        try
        {
            var input = new CommandInput
            {
                StandardInput = bytes,
                Environment = new Dictionary<string, string> { [HasPreviousVariable] = previous is null ? "0" : "1" },
            };
            outcome = await CommandRunner.RunAsync(Command, new Dictionary<string, string>(), WorkingDirectory, input, cancellationToken).ConfigureAwait(false);
        }
        catch (DeploymentException e)
        {
            throw new SecretTargetException(Display, $"{Display} could not be started: {TargetFiles.Reason(e)}. The value was not applied there.", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }

        if (outcome.Succeeded)
        {
            return;
        }

        var output = Masked(outcome.Output, current, previous);
        var said = output.Length == 0 ? " It printed nothing." : $" Its output ended with:\n{output}";
        var what = outcome.TimedOut
            ? $"{Display} did not finish within {Command.Timeout.TotalSeconds:0.###} s and was killed (with the processes it started)."
            : $"{Display} failed with exit code {outcome.ExitCode}.";
        throw new SecretTargetException(Display, $"{what} Whether it applied the value is unknown.{said}");
    }

    /// <summary>A command's target cannot be read back.</summary>
    public SecretValue? ReadCurrent() => null;

    /// <summary>The one thing found without running it: whether the program exists.</summary>
    public IReadOnlyList<string> Check()
    {
        var program = Command.Command[0];
        if (program.Contains('/', StringComparison.Ordinal) || program.Contains('\\', StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(program, WorkingDirectory);
            return File.Exists(full) ? [] : [$"The program '{full}' of {Display} does not exist."];
        }

        if (OperatingSystem.IsWindows())
        {
            return [];
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
        return onPath ? [] : [$"The program '{program}' of {Display} is not on the PATH."];
    }

    /// <summary>
    /// The tail of the output with the values (and any line of a value that has several) replaced by "***". The first line
    /// of an output that was cut is dropped, since a value may have been cut with it.
    /// </summary>
    internal static string Masked(string output, SecretValue current, SecretValue? previous)
    {
        var values = new List<string>();
        foreach (var v in previous is null ? [current] : new[] { current, previous })
        {
            var text = v.RevealString();
            if (text.Length == 0)
            {
                continue;
            }

            values.Add(text);
            values.AddRange(text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Where(p => p.Length >= 4 && p != text));
        }

        // Longest first, so a value that contains another is masked whole.
        foreach (var v in values.Distinct().OrderByDescending(v => v.Length))
        {
            output = output.Replace(v, Mask, StringComparison.Ordinal);
        }

        var cut = output.StartsWith('…');
        if (output.Length > OutputShown)
        {
            output = output[^OutputShown..];
            cut = true;
        }

        if (cut)
        {
            var newline = output.IndexOf('\n', StringComparison.Ordinal);
            output = newline < 0 ? string.Empty : "…" + output[(newline + 1)..];
        }

        return output.Trim();
    }

    public override string ToString() => Display;
}
