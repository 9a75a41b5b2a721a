namespace Orchestrator.Ops.Core.Logs;

/// <summary>Reading logs failed; the message names the log or file and says what to do.</summary>
/// <param name="target">The log name, path or pattern concerned.</param>
public sealed class LogException(LogFailure failure, string target, string message, Exception? inner = null) : Exception(message, inner), IOpsError
{
    public LogFailure Failure { get; } = failure;

    public string Target { get; } = target;

    public OpsErrorCode Code => CodeOf(Failure);

    object? IOpsError.ErrorTarget => Target;

    public static OpsErrorCode CodeOf(LogFailure failure) => failure switch
    {
        LogFailure.NotFound => OpsErrorCodes.LogNotFound,
        LogFailure.Unreadable => OpsErrorCodes.LogUnreadable,
        LogFailure.BadPattern => OpsErrorCodes.LogBadPattern,
        LogFailure.BadRequest => OpsErrorCodes.LogBadRequest,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}
