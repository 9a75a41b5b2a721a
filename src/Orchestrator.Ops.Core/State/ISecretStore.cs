using Orchestrator.Ops.Core.Secrets;

namespace Orchestrator.Ops.Core.State;

/// <summary>The rotation journal in the state store.</summary>
public interface ISecretStore
{
    /// <summary>Adds a new entry; false when one with that request token exists already.</summary>
    Task<bool> TryAddRotationAsync(SecretRotationRecord record, CancellationToken cancellationToken);

    Task<SecretRotationRecord?> GetRotationAsync(string requestToken, CancellationToken cancellationToken);

    /// <summary>Entries for one secret (all when null), newest first.</summary>
    Task<IReadOnlyList<SecretRotationRecord>> GetRotationsAsync(string? name, bool runningOnly, int limit, CancellationToken cancellationToken);

    Task SetStepAsync(string requestToken, SecretRotationStep step, int? toVersion, string? resultJson, CancellationToken cancellationToken);

    Task EndRotationAsync(string requestToken, SecretRotationState state, string outcome, string? reason, DateTimeOffset? previousValidUntil, string? resultJson, CancellationToken cancellationToken);

    /// <summary>Marks the previous value of every ended rotation of <paramref name="name"/> as removed from the targets.</summary>
    Task MarkPreviousRemovedAsync(string name, DateTimeOffset at, CancellationToken cancellationToken);
}
