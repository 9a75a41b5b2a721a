namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// A vault operation failed. The message names the file and what to do; it never holds a secret value or key
/// (callers build it from paths and names only).
/// </summary>
public sealed class VaultException(VaultFailure failure, string? path, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public VaultFailure Failure { get; } = failure;

    /// <summary>The vault or key file concerned, when there is one.</summary>
    public string? Path { get; } = path;
}
