using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Orchestrator.Ops.Core.IO;

/// <summary>What a child process did: its exit code (null when killed at its timeout) and the tail of its output.</summary>
public sealed record ChildProcessResult(string CommandLine, int? ExitCode, bool TimedOut, TimeSpan Duration, string Output)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}

/// <summary>How to run a child: where, for how long at most, with what added to its environment and fed to its input.</summary>
public sealed class ChildProcessOptions
{
    public required TimeSpan Timeout { get; init; }

    public string? WorkingDirectory { get; init; }

    /// <summary>Added to (or replacing in) the environment the child inherits.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Written to the child's standard input, which is then closed (at once when empty). The caller owns the memory.</summary>
    public ReadOnlyMemory<byte> StandardInput { get; init; }

    /// <summary>The clock the timeout runs on (tests give a fake one).</summary>
    public TimeProvider? Time { get; init; }
}

/// <summary>The one way the engine runs a program to completion (nginx, configured hooks, secret-target commands).</summary>
/// <remarks>
/// No shell: the first element is the program, the rest its arguments, each passed as is. Standard output and error
/// are captured together, in the order they arrive, keeping the last <see cref="OutputLimit"/> characters. At the
/// timeout or on cancellation the whole process tree is killed and waited for; a timeout is a result
/// (<see cref="ChildProcessResult.TimedOut"/>), a cancellation an <see cref="OperationCanceledException"/>.
/// </remarks>
public static class ChildProcess
{
    /// <summary>Output kept per run: the last this-many characters.</summary>
    public const int OutputLimit = 8000;

    /// <exception cref="Win32Exception">The program could not be started (not found, not executable).</exception>
    public static async Task<ChildProcessResult> RunAsync(IReadOnlyList<string> command, ChildProcessOptions options, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(command.Count);
        var display = string.Join(' ', command);
        var info = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (options.WorkingDirectory is { } folder)
        {
            info.WorkingDirectory = folder;
        }

        foreach (var a in command.Skip(1))
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (name, value) in options.Environment ?? new Dictionary<string, string>())
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
        using var process = Process.Start(info) ?? throw new Win32Exception($"'{command[0]}' did not start.");

        // Written beside the wait, not before it: a child that never reads its input still meets its timeout.
        var feeding = Feed(process, options.StandardInput);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(options.Timeout, options.Time ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
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
            return new ChildProcessResult(display, null, true, clock.Elapsed, Tail(output));
        }

        // The exit is seen before the last output lines are; this wait (without a token) drains them.
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        await feeding.ConfigureAwait(false);
        return new ChildProcessResult(display, process.ExitCode, false, clock.Elapsed, Tail(output));
    }

    /// <summary>Writes the input and closes standard input; a child that exits (or is killed) without reading it is not an error here.</summary>
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
