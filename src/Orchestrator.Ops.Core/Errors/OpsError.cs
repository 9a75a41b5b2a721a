namespace Orchestrator.Ops.Core;

/// <summary>
/// What kind of failure a condition is, in PowerShell's terms: each name is a member of
/// System.Management.Automation.ErrorCategory (the engine does not reference PowerShell; the cmdlets map by name).
/// </summary>
public enum OpsErrorCategory
{
    NotSpecified,
    AuthenticationError,
    ConnectionError,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    InvalidResult,
    LimitsExceeded,
    NotInstalled,
    ObjectNotFound,
    ReadError,
    ResourceBusy,
    ResourceExists,
    ResourceUnavailable,
    SecurityError,
    WriteError,
}

/// <summary>One condition a script can catch: its ErrorId and category. Every code is defined once, in <see cref="OpsErrorCodes"/>.</summary>
public sealed record OpsErrorCode(string Id, OpsErrorCategory Category)
{
    public override string ToString() => Id;
}

/// <summary>
/// An expected failure of the engine: the condition, what it is about, and what to do. Every exception a capability
/// throws for a condition a user can act on implements this, so the cmdlets make one kind of ErrorRecord from it.
/// </summary>
public interface IOpsError
{
    OpsErrorCode Code { get; }

    /// <summary>The item concerned (a file, a slot, a backup id, a URI), or null.</summary>
    object? ErrorTarget { get; }

    /// <summary>What to do about it, when there is one thing to say; null otherwise.</summary>
    string? RecommendedAction => null;
}
