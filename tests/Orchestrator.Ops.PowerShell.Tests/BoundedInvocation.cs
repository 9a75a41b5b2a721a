using System.Management.Automation;

namespace Orchestrator.Ops.PowerShell.Tests;

/// <summary>How a script run by <see cref="PowerShellSession.InvokeWithin"/> ended.</summary>
/// <param name="Failure">The terminating error, when there was one.</param>
/// <param name="TimedOut">It was still running at the bound and was stopped.</param>
/// <param name="StopFailed">It did not even stop within 30 s more; the pipeline was abandoned.</param>
public sealed record BoundedInvocation(
    string Script, IReadOnlyList<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, RuntimeException? Failure, bool TimedOut, bool StopFailed, TimeSpan Elapsed)
{
    /// <summary>Finished in time with neither a terminating nor a non-terminating error.</summary>
    public bool Succeeded => !TimedOut && Failure is null && Errors.Count == 0;

    /// <summary>The errors, one per line, for assertion messages.</summary>
    public string Describe() =>
        TimedOut ? $"timed out after {Elapsed.TotalSeconds:0} s{(StopFailed ? " and did not stop" : string.Empty)}"
        : string.Join("; ", Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}").Concat(Failure is null ? [] : [$"terminating {Failure.ErrorRecord.FullyQualifiedErrorId}: {Failure.Message}"]));
}
