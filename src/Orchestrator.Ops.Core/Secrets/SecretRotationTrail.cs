namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// What one rotation or completion has done so far, in order: each target's write or revert and each check of the new
/// value. The journal keeps it at every step and the result shows it; it never holds a value.
/// </summary>
internal sealed class SecretRotationTrail
{
    public List<SecretTargetResult> Targets { get; } = [];

    public List<SecretCheckResult> Checks { get; } = [];
}
