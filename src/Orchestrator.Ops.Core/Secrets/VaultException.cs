namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// A vault operation failed. The message names the file and what to do; it never holds a secret value or key
/// (callers build it from paths and names only).
/// </summary>
public sealed class VaultException(VaultFailure failure, string? path, string message, Exception? inner = null)
    : Exception(message, inner), IOpsError
{
    public VaultFailure Failure { get; } = failure;

    /// <summary>The vault or key file concerned, when there is one.</summary>
    public string? Path { get; } = path;

    public OpsErrorCode Code => CodeOf(Failure);

    object? IOpsError.ErrorTarget => Path;

    public static OpsErrorCode CodeOf(VaultFailure failure) => failure switch
    {
        VaultFailure.WrongKey => OpsErrorCodes.VaultWrongKey,
        VaultFailure.Tampered => OpsErrorCodes.VaultTampered,
        VaultFailure.Locked => OpsErrorCodes.VaultLocked,
        VaultFailure.LoosePermissions => OpsErrorCodes.VaultLoosePermissions,
        VaultFailure.UnsupportedFormat => OpsErrorCodes.VaultUnsupportedFormat,
        VaultFailure.KeyMissing => OpsErrorCodes.VaultKeyMissing,
        VaultFailure.InvalidKey => OpsErrorCodes.VaultInvalidKey,
        VaultFailure.Io => OpsErrorCodes.VaultIo,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}
