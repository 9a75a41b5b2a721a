using System.Diagnostics;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Secrets.Targets;
using Serilog;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// The grace period after a rotation, while the previous value stays valid beside the new one: how long it lasts, until
/// when it runs (the last successful rotation in the journal says), and its end, when the previous value is removed
/// from every target and then from the vault (Update-Secret -CompleteExpired, and the service's watch).
/// </summary>
internal sealed class SecretGracePeriods(SecretSettings settings, RotationVault vault, SecretRotationJournal journal, SecretTargetWriter writer, TimeProvider time, ILogger log)
{
    /// <summary>The grace period a rotation gets: the one asked for, else the secret's, else the configured default.</summary>
    public static TimeSpan For(SecretSettings settings, ManagedSecretDefinition definition, TimeSpan? requested) =>
        requested ?? definition.GracePeriod ?? settings.GracePeriod;

    /// <summary>
    /// When the previous value of a rotation ending now stops being accepted. Whole milliseconds, as the journal keeps
    /// it, so the result and Get-ManagedSecret agree.
    /// </summary>
    public DateTimeOffset EndFromNow(TimeSpan grace) =>
        DateTimeOffset.FromUnixTimeMilliseconds((time.GetUtcNow() + grace).ToUnixTimeMilliseconds());

    /// <summary>Until when the previous value of <paramref name="name"/> stays valid, by its last successful rotation.</summary>
    public async Task<DateTimeOffset?> ValidUntilAsync(string name, CancellationToken cancellationToken) =>
        (await journal.LastSucceededAsync(name, cancellationToken).ConfigureAwait(false))?.PreviousValidUntil;

    /// <summary>The Previous value while its grace period still runs and the targets still hold it (a revert puts it back beside the current one).</summary>
    public async Task<SecretValue?> StillValidPreviousAsync(VaultSecret secret, CancellationToken cancellationToken)
    {
        var previous = secret.WithLabel(VaultLabels.Previous);
        if (previous is null)
        {
            return null;
        }

        var last = await journal.LastSucceededAsync(secret.Name, cancellationToken).ConfigureAwait(false);
        return last?.PreviousValidUntil is { } until && until > time.GetUtcNow() && last.PreviousRemovedAt is null ? previous.Value : null;
    }

    /// <summary>
    /// Removes from the targets every Previous value whose grace period has ended (all of them when
    /// <paramref name="force"/>), then from the vault. One result per secret it touched: Completed, or Failed when a
    /// target could not be written (the value then stays in the vault for the next try).
    /// </summary>
    public async Task<IReadOnlyList<SecretRotationResult>> CompleteExpiredAsync(IReadOnlyCollection<string>? names, bool force, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        if (!File.Exists(settings.VaultPath))
        {
            return [];
        }

        var results = new List<SecretRotationResult>();
        var contents = vault.Read();
        var now = time.GetUtcNow();
        foreach (var definition in settings.Items.Where(d => names is null || names.Contains(d.Name, StringComparer.OrdinalIgnoreCase)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var secret = contents.Find(definition.Name);
            var previous = secret?.WithLabel(VaultLabels.Previous);
            if (secret?.Current is null || previous is null || secret.WithLabel(VaultLabels.Pending) is not null)
            {
                continue;
            }

            var until = await ValidUntilAsync(definition.Name, cancellationToken).ConfigureAwait(false);
            if (!force && (until is null || until > now))
            {
                continue;
            }

            results.Add(await CompleteAsync(definition, secret.Current, previous, reporter, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    private async Task<SecretRotationResult> CompleteAsync(ManagedSecretDefinition definition, SecretVersion current, SecretVersion previous, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var targetResults = new List<SecretTargetResult>();
        SecretRotationResult Result(SecretRotationOutcome outcome, string reason) => new()
        {
            Name = definition.Name,
            Outcome = outcome,
            FromVersion = previous.Version,
            ToVersion = current.Version,
            Targets = targetResults,
            Reason = reason,
            Duration = clock.Elapsed,
        };

        reporter.Progress(new OpsProgress(SecretService.ProgressId, $"Completing '{definition.Name}'", "removing the previous value from the targets", 50));
        try
        {
            await writer.WriteAsync(definition, current.Value, null, "remove previous", targetResults, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretTargetException e)
        {
            return Result(SecretRotationOutcome.Failed, $"The previous value could not be removed from {e.Target}: {e.Message} It stays in the vault; run Update-Secret -CompleteExpired again.");
        }

        vault.RemovePrevious(definition.Name);
        await journal.MarkPreviousRemovedAsync(definition.Name, cancellationToken).ConfigureAwait(false);
        log.Information("Removed previous version {Version} of {Secret} from {Targets} target(s)", previous.Version, definition.Name, targetResults.Count);
        reporter.Progress(new OpsProgress(SecretService.ProgressId, $"Completing '{definition.Name}'", "done", 100, Completed: true));
        return Result(SecretRotationOutcome.Completed, $"previous version {previous.Version} removed from the targets and the vault");
    }
}
