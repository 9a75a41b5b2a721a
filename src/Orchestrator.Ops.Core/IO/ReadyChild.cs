using System.Diagnostics;

namespace Orchestrator.Ops.Core.IO;

/// <summary>How to start a long-running child (the sandbox fleet, the monitoring service) and know it is ready.</summary>
public sealed class ReadyChildStart
{
    /// <summary>The program and its arguments (no shell).</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public required string WorkingDirectory { get; init; }

    /// <summary>What the child is, for errors: "The sandbox", "The monitoring service".</summary>
    public required string What { get; init; }

    public required TimeSpan Timeout { get; init; }

    /// <summary>How often the ready file is looked for; children write it atomically once they listen.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Said after the timeout message, e.g. where the child's logs are.</summary>
    public string? TimeoutHint { get; init; }

    /// <summary>The clock the timeout runs on (tests give a fake one); the ready file is polled in real time.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Makes the caller's own exception from a message (SandboxException, OpsServiceException).</summary>
    public required Func<string, Exception> Fail { get; init; }
}

/// <summary>
/// The one "start a child and wait for its ready file": the child runs with its output drained (standard error kept for
/// the error when it dies early) and its input closed; this polls until <c>readReady</c> gives the child's own
/// ready state (written by that process id), and kills the child if it exits first, does not get ready in time, or the
/// wait is cancelled.
/// </summary>
public static class ReadyChild
{
    public static async Task<T> StartAsync<T>(ReadyChildStart start, Func<int, T?> readReady, CancellationToken cancellationToken)
        where T : class
    {
        var psi = new ProcessStartInfo(start.Command[0])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            WorkingDirectory = start.WorkingDirectory,
        };
        foreach (var a in start.Command.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw start.Fail($"{start.What} process could not be started.");
        var stderr = ProcessHelpers.CollectStandardError(process);
        process.BeginOutputReadLine();
        process.StandardInput.Close();

        var time = start.Time ?? TimeProvider.System;
        var deadline = time.GetUtcNow() + start.Timeout;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (process.HasExited)
                {
                    // The exit is seen before the last of its output is read: this wait drains both streams (bounded, in
                    // case something the child started still holds them).
                    using (var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                    {
                        drain.CancelAfter(TimeSpan.FromSeconds(5));
                        try
                        {
                            await process.WaitForExitAsync(drain.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (drain.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                        {
                        }
                    }

                    var said = stderr.ToString().Trim();
                    throw start.Fail($"{start.What} exited with code {process.ExitCode} before it was ready.{(said.Length > 0 ? " It said: " + said : string.Empty)}");
                }

                if (time.GetUtcNow() > deadline)
                {
                    throw start.Fail($"{start.What} did not become ready within {start.Timeout.TotalSeconds:0} s{(start.TimeoutHint is null ? "." : "; " + start.TimeoutHint)}");
                }

                if (readReady(process.Id) is { } ready)
                {
                    return ready;
                }

                await Task.Delay(start.PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            ProcessHelpers.TryKill(process);
            throw;
        }
    }
}
