namespace Orchestrator.Ops.Core.Secrets;

/// <summary>Why a secret operation was refused or failed; a cmdlet maps each to its own ErrorId.</summary>
public enum SecretFailure
{
    /// <summary>The configuration names no such secret.</summary>
    NotConfigured,

    /// <summary>Another rotation of the secret is under way (a Pending version exists).</summary>
    RotationInProgress,

    /// <summary>The request token belongs to another secret, or resumes with a different value.</summary>
    RequestTokenMismatch,

    /// <summary>The secret's value comes from outside and none was given.</summary>
    ValueRequired,

    /// <summary>A value given is not acceptable (empty, control characters, too long).</summary>
    InvalidValue,

    /// <summary>Undoing a failed rotation failed at a target: the vault keeps the new value as Pending so nothing is lost.</summary>
    RevertIncomplete,

    /// <summary>The secret has no value yet.</summary>
    NoValue,
}

/// <summary>A secret operation was refused or failed. The message names the secret, targets and checks — never a value.</summary>
public sealed class SecretException(SecretFailure failure, string name, string message, Exception? inner = null) : Exception(message, inner), IOpsError
{
    public SecretFailure Failure { get; } = failure;

    public string Name { get; } = name;

    public OpsErrorCode Code => CodeOf(Failure);

    object? IOpsError.ErrorTarget => Name;

    public static OpsErrorCode CodeOf(SecretFailure failure) => failure switch
    {
        SecretFailure.NotConfigured => OpsErrorCodes.SecretNotFound,
        SecretFailure.RotationInProgress => OpsErrorCodes.SecretRotationInProgress,
        SecretFailure.RequestTokenMismatch => OpsErrorCodes.SecretRequestTokenMismatch,
        SecretFailure.ValueRequired => OpsErrorCodes.SecretValueRequired,
        SecretFailure.InvalidValue => OpsErrorCodes.SecretInvalidValue,
        SecretFailure.RevertIncomplete => OpsErrorCodes.SecretRevertIncomplete,
        SecretFailure.NoValue => OpsErrorCodes.SecretNoValue,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}
