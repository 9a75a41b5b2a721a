namespace Orchestrator.Ops.Core.Logs;

/// <summary>Reading logs failed; the message names the log or file and says what to do.</summary>
/// <param name="target">The log name, path or pattern concerned.</param>
public sealed class LogException(LogFailure failure, string target, string message, Exception? inner = null) : Exception(message, inner)
{
    public LogFailure Failure { get; } = failure;

    public string Target { get; } = target;
}
