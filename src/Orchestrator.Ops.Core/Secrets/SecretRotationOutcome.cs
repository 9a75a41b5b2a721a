namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// How one secret's rotation, completion or due check ended (<see cref="SecretRotationResult.Outcome"/>). PowerShell
/// shows it by name, so <c>Outcome -eq 'Rotated'</c> reads as before; the journal keeps the name as text.
/// </summary>
public enum SecretRotationOutcome
{
    /// <summary>The secret got its first value.</summary>
    Created,

    /// <summary>A new value is current; the old one stays valid beside it for the grace period.</summary>
    Rotated,

    /// <summary>A previous value whose grace period ended was removed from the targets and the vault.</summary>
    Completed,

    /// <summary>An external secret needs a new value from its issuer (Update-Secret -All); nothing was changed.</summary>
    Due,

    /// <summary>Setting or testing the new value failed: the current value is back on every target and Pending is gone.</summary>
    Reverted,

    /// <summary>The vault held a Pending version no recorded rotation owned, so nothing was started.</summary>
    Refused,

    /// <summary>A previous value could not be removed from a target; it stays in the vault for another try.</summary>
    Failed,
}
