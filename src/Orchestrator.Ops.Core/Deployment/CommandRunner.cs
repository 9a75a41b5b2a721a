using System.Diagnostics;
using System.Text;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>What a configured command did: its exit code (null when killed at its timeout) and the tail of its output.</summary>
public sealed record CommandOutcome(string Command, int? ExitCode, bool TimedOut, TimeSpan Duration, string Output)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}

/// <summary>Runs a configured command without a shell, with a timeout and captured (bounded) output; the whole process tree is killed on timeout or cancellation.</summary>
public static class CommandRunner
{
    /// <summary>Output kept per command: the last this-many characters.</summary>
    public const int OutputLimit = 8000;

    public static async Task<CommandOutcome> RunAsync(CommandSettings settings, IReadOnlyDictionary<string, string> substitutions, string workingDirectory, CancellationToken cancellationToken)
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
            process.StandardInput.Close();
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
                cancellationToken.ThrowIfCancellationRequested();
                return new CommandOutcome(display, null, true, clock.Elapsed, Tail(output));
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return new CommandOutcome(display, process.ExitCode, false, clock.Elapsed, Tail(output));
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
