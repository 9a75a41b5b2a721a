using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>How one step's item went.</summary>
public enum SecretCheckStatus
{
    Pass,
    Warn,
    Fail,
    Skipped,
}

/// <summary>What happened at one target during a rotation (never a value).</summary>
public sealed record SecretTargetResult(string Target, string Action, SecretCheckStatus Status, string? Detail)
{
    public override string ToString() => $"{Target}: {Action} {Status}{(Detail is null ? string.Empty : " - " + Detail)}";
}

/// <summary>One verification of a new value: a wrapper's live probe, the service's authentication, a test command.</summary>
public sealed record SecretCheckResult(string Check, SecretCheckStatus Status, string? Detail)
{
    public override string ToString() => $"{Check}: {Status}{(Detail is null ? string.Empty : " - " + Detail)}";
}

/// <summary>What a rotation did. It never holds a value.</summary>
public sealed record SecretRotationResult
{
    public required string Name { get; init; }

    /// <summary>Rotated, Created (a first value), Reverted (a failure undone), Refused, Completed (a previous value removed), Failed, Due (an external secret needing a value).</summary>
    public required SecretRotationOutcome Outcome { get; init; }

    public int? FromVersion { get; init; }

    public int? ToVersion { get; init; }

    public IReadOnlyList<SecretTargetResult> Targets { get; init; } = [];

    public IReadOnlyList<SecretCheckResult> Checks { get; init; } = [];

    /// <summary>When the previous value stops being accepted; null when there is none.</summary>
    public DateTimeOffset? PreviousValidUntil { get; init; }

    /// <summary>The token that resumes this rotation (Update-Secret -RequestToken).</summary>
    public string? RequestToken { get; init; }

    public string? Reason { get; init; }

    public TimeSpan Duration { get; init; }

    public bool Succeeded => Outcome is SecretRotationOutcome.Rotated or SecretRotationOutcome.Created or SecretRotationOutcome.Completed;
}

/// <summary>A managed secret's metadata: what Get-ManagedSecret shows. Never the value.</summary>
public sealed record ManagedSecretInfo
{
    public required string Name { get; init; }

    public int? CurrentVersion { get; init; }

    public DateTimeOffset? LastRotated { get; init; }

    public string? LastRotatedBy { get; init; }

    public TimeSpan? Age { get; init; }

    public int? PendingVersion { get; init; }

    public int? PreviousVersion { get; init; }

    public DateTimeOffset? PreviousValidUntil { get; init; }

    public IReadOnlyList<string> Targets { get; init; } = [];

    public IReadOnlyList<string> Wrappers { get; init; } = [];

    /// <summary>Generate or External; null for a vault entry no configuration names.</summary>
    public string? Source { get; init; }

    /// <summary>Older than its rotation age, or never set.</summary>
    public bool Due { get; init; }

    /// <summary>In the configuration (false: only in the vault).</summary>
    public bool Configured { get; init; }

    public override string ToString() => $"{Name} v{CurrentVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}";
}

/// <summary>A request to rotate one secret.</summary>
public sealed record SecretRotationRequest
{
    public required string Name { get; init; }

    /// <summary>A value issued elsewhere; null to generate one.</summary>
    public SecretValue? Value { get; init; }

    /// <summary>Length of a generated value; null takes the secret's configured length.</summary>
    public int? Length { get; init; }

    /// <summary>How long the previous value stays valid; null takes the configured grace period.</summary>
    public TimeSpan? GracePeriod { get; init; }

    /// <summary>Resumes the rotation with this token, or starts one under it; null starts a new one.</summary>
    public string? RequestToken { get; init; }

    /// <summary>Who asked (user@host), recorded on the version and the journal.</summary>
    public required string RequestedBy { get; init; }
}

/// <summary>A configured secret that is due for rotation, as Update-Secret -All works through them.</summary>
public sealed record SecretDueRotation
{
    public required ManagedSecretDefinition Definition { get; init; }

    /// <summary>
    /// Null when the engine rotates it (its value is generated). Otherwise the result to report instead, with Outcome
    /// Due: an external secret's new value must come from its issuer, so nothing is changed.
    /// </summary>
    public SecretRotationResult? Due { get; init; }

    /// <summary>With <see cref="Due"/>: the warning saying how to rotate it by hand.</summary>
    public string? Warning { get; init; }
}
