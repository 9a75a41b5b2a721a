using System.Diagnostics;
using System.Text;
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

/// <summary>Runs a configured command without a shell, with a timeout and captured (bounded) output; the whole process tree is killed on timeout or cancellation.</summary>
public static class CommandRunner
{
    /// <summary>Output kept per command: the last this-many characters.</summary>
    public const int OutputLimit = 8000;

    public static Task<CommandOutcome> RunAsync(CommandSettings settings, IReadOnlyDictionary<string, string> substitutions, string workingDirectory, CancellationToken cancellationToken) =>
        RunAsync(settings, substitutions, workingDirectory, null, cancellationToken);

    /// <summary>Runs the command as the overload without <paramref name="input"/> does, feeding it <paramref name="input"/>; with none its standard input is closed at once.</summary>
    public static async Task<CommandOutcome> RunAsync(CommandSettings settings, IReadOnlyDictionary<string, string> substitutions, string workingDirectory, CommandInput? input, CancellationToken cancellationToken)
    {
        var args = settings.Command.Select(a => substitutions.Aggregate(a, (s, kv) => s.Replace("{" + kv.Key + "}", kv.Value, StringComparison.Ordinal))).ToList();
        var display = string.Join(' ', args);
        var info = new ProcessStartInfo(args[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in args.Skip(1))
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (name, value) in input?.Environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
                if (output.Length > OutputLimit * 2)
                {
                    output.Remove(0, output.Length - OutputLimit);
                }
            }
        }

        var clock = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new DeploymentException(DeploymentFailure.CommandFailed, $"'{args[0]}' could not be started: {ex.Message}", ex) { Target = display };
        }

        using (process)
        {
            // Written beside the wait, not before it: a command that never reads its input still meets its timeout.
            var feeding = Feed(process, input?.StandardInput ?? ReadOnlyMemory<byte>.Empty);
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }

                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                await feeding.ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                return new CommandOutcome(display, null, true, clock.Elapsed, Tail(output));
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await feeding.ConfigureAwait(false);
            return new CommandOutcome(display, process.ExitCode, false, clock.Elapsed, Tail(output));
        }
    }

    /// <summary>Writes the input and closes standard input; a command that exits (or is killed) without reading it is not an error here.</summary>
    private static async Task Feed(Process process, ReadOnlyMemory<byte> input)
    {
        try
        {
            if (!input.IsEmpty)
            {
                var stream = process.StandardInput.BaseStream;
                await stream.WriteAsync(input).ConfigureAwait(false);
                await stream.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
        finally
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
            }
        }
    }

    private static string Tail(StringBuilder output)
    {
        lock (output)
        {
            var text = output.ToString();
            return text.Length <= OutputLimit ? text.TrimEnd() : "…" + text[^OutputLimit..].TrimEnd();
        }
    }
}
