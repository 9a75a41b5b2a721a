using Orchestrator.Ops.Core.State;
using System.Text.Json;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// The rotation journal as rotation uses it: an entry per request token, its step recorded before the step runs (with
/// the trail so far as JSON), its end with the outcome's name, and the last successful rotation of a secret, which
/// says until when its previous value stays valid. It also replays an ended entry as the result it reported.
/// </summary>
internal sealed class SecretRotationJournal(ISecretStore store, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<SecretRotationRecord?> FindAsync(string requestToken, CancellationToken cancellationToken) =>
        store.GetRotationAsync(requestToken, cancellationToken);

    /// <summary>Adds the entry of a new rotation; false when the secret has a running one already (or the token is taken).</summary>
    public Task<bool> TryStartAsync(SecretRotationRecord record, CancellationToken cancellationToken) =>
        store.TryAddRotationAsync(record, cancellationToken);

    /// <summary>The running rotation of <paramref name="name"/>, if any.</summary>
    public async Task<SecretRotationRecord?> RunningAsync(string name, CancellationToken cancellationToken) =>
        (await store.GetRotationsAsync(name, runningOnly: true, 1, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>Entries newest first, for one secret or all (null).</summary>
    public Task<IReadOnlyList<SecretRotationRecord>> ListAsync(string? name, bool runningOnly, int limit, CancellationToken cancellationToken) =>
        store.GetRotationsAsync(name, runningOnly, limit, cancellationToken);

    /// <summary>Records the step about to run; the pending version once it exists, and the trail when given.</summary>
    public Task StepAsync(string requestToken, SecretRotationStep step, CancellationToken cancellationToken, int? toVersion = null, SecretRotationTrail? trail = null) =>
        store.SetStepAsync(requestToken, step, toVersion, trail is null ? null : Serialize(trail), cancellationToken);

    public Task EndAsync(string requestToken, SecretRotationState state, SecretRotationOutcome outcome, string? reason, DateTimeOffset? previousValidUntil,
        SecretRotationTrail? trail, CancellationToken cancellationToken) =>
        store.EndRotationAsync(requestToken, state, outcome.ToString(), reason, previousValidUntil, trail is null ? null : Serialize(trail), cancellationToken);

    /// <summary>The newest successful rotation of <paramref name="name"/> among its last twenty entries.</summary>
    public async Task<SecretRotationRecord?> LastSucceededAsync(string name, CancellationToken cancellationToken) =>
        (await store.GetRotationsAsync(name, runningOnly: false, 20, cancellationToken).ConfigureAwait(false))
        .FirstOrDefault(r => r.State == SecretRotationState.Succeeded);

    /// <summary>Notes, now, that no target holds the previous value of any ended rotation of <paramref name="name"/> any more.</summary>
    public Task MarkPreviousRemovedAsync(string name, CancellationToken cancellationToken) =>
        store.MarkPreviousRemovedAsync(name, time.GetUtcNow(), cancellationToken);

    /// <summary>The result an ended rotation reported, rebuilt from its entry: the same request again does nothing more.</summary>
    public static SecretRotationResult Replay(SecretRotationRecord r, TimeSpan duration)
    {
        Saved? saved = null;
        if (r.ResultJson is { } json)
        {
            try
            {
                saved = JsonSerializer.Deserialize<Saved>(json, Json);
            }
            catch (JsonException)
            {
            }
        }

        return new SecretRotationResult
        {
            Name = r.Name,
            Outcome = OutcomeOf(r),
            FromVersion = r.FromVersion,
            ToVersion = r.ToVersion,
            Targets = saved?.Targets ?? [],
            Checks = saved?.Checks ?? [],
            PreviousValidUntil = r.PreviousValidUntil,
            RequestToken = r.RequestToken,
            Reason = r.Reason ?? "this request token's rotation had already ended; nothing was done again",
            Duration = duration,
        };
    }

    /// <summary>
    /// The outcome the entry recorded. An ended entry always has one; should it be missing or unknown, the state
    /// stands in (a success of a secret that had no version before is its creation).
    /// </summary>
    public static SecretRotationOutcome OutcomeOf(SecretRotationRecord r) =>
        Enum.TryParse<SecretRotationOutcome>(r.Outcome, out var outcome) && Enum.IsDefined(outcome) ? outcome
        : r.State == SecretRotationState.Succeeded ? (r.FromVersion is null ? SecretRotationOutcome.Created : SecretRotationOutcome.Rotated)
        : SecretRotationOutcome.Reverted;

    internal static string Serialize(SecretRotationTrail trail) => JsonSerializer.Serialize(new Saved(trail.Targets, trail.Checks), Json);

    /// <summary>The trail as the journal's result_json holds it: <c>{"targets": [...], "checks": [...]}</c>.</summary>
    private sealed record Saved(List<SecretTargetResult> Targets, List<SecretCheckResult> Checks);
}
