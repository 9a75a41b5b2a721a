using System.Diagnostics;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Secrets.Targets;
using Serilog;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// The rotation state machine: create a Pending version → set it on every target beside the current value → test the
/// consumers with it → finish (Pending becomes Current) or revert (the current value back everywhere, Pending
/// discarded). Each step is journaled under the request token before it runs, so the same token resumes an interrupted
/// rotation where it stopped, and a revert once begun is finished rather than turned back into a rotation.
/// </summary>
internal sealed class SecretRotation(
    string markerFolder,
    RotationVault vault,
    SecretRotationJournal journal,
    SecretTargetWriter writer,
    SecretConsumerVerifier verifier,
    SecretGracePeriods grace,
    TimeProvider time,
    ILogger log)
{
    /// <summary>Starts the rotation of <paramref name="definition"/>, resumes the one journaled under the token, or reports the ended one again.</summary>
    public async Task<SecretRotationResult> RotateAsync(ManagedSecretDefinition definition, SecretRotationRequest request, TimeSpan gracePeriod, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var token = request.RequestToken ?? Guid.NewGuid().ToString("N");
        SecretRequestRules.ValidateToken(token, definition.Name);
        if (request.Value is { } given)
        {
            SecretRequestRules.ValidateValue(given, definition.Name);
        }

        var record = await journal.FindAsync(token, cancellationToken).ConfigureAwait(false);
        if (record is not null && !string.Equals(record.Name, definition.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new SecretException(SecretFailure.RequestTokenMismatch, definition.Name,
                $"The request token '{token}' belongs to a rotation of '{record.Name}', not '{definition.Name}'. Use a new token, or none.");
        }

        if (record is { State: not SecretRotationState.Running })
        {
            // Idempotent: the same request again reports what it did, and does nothing.
            return SecretRotationJournal.Replay(record, clock.Elapsed);
        }

        if (record is null)
        {
            record = await StartAsync(definition, request, token, gracePeriod, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            reporter.Verbose($"Resuming the rotation of '{definition.Name}' (request token {token}) at step {record.Step}.");
            log.Information("Resuming rotation of {Secret} request {RequestToken} at step {Step}", definition.Name, token, record.Step.ToString());
        }

        var run = new Run(definition, reporter, clock);
        return await RunAsync(run, record, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The journal entry of a new rotation; refused while another rotation holds the secret.</summary>
    private async Task<SecretRotationRecord> StartAsync(ManagedSecretDefinition definition, SecretRotationRequest request, string token, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        if (definition.Source == SecretSource.External && request.Value is null)
        {
            throw new SecretException(SecretFailure.ValueRequired, definition.Name,
                $"The value of '{definition.Name}' is issued elsewhere (source: external): give it with -Value (a SecureString), e.g. -Value (Read-Host -AsSecureString).");
        }

        var secret = vault.FindForWrite(definition.Name);
        var fresh = new SecretRotationRecord
        {
            RequestToken = token,
            Name = definition.Name,
            FromVersion = secret?.Current?.Version,
            Step = SecretRotationStep.Started,
            State = SecretRotationState.Running,
            StartedAt = time.GetUtcNow(),
            StartedBy = request.RequestedBy,
            GracePeriod = gracePeriod,
        };
        if (!await journal.TryStartAsync(fresh, cancellationToken).ConfigureAwait(false))
        {
            var running = await journal.RunningAsync(definition.Name, cancellationToken).ConfigureAwait(false);
            throw SecretRequestRules.InProgress(definition.Name, running?.RequestToken, running?.StartedBy, running?.Step);
        }

        if (secret?.WithLabel(VaultLabels.Pending) is not null)
        {
            // A Pending version no journal entry owns (a journal restored from an older backup): refuse rather than guess.
            await journal.EndAsync(token, SecretRotationState.Reverted, SecretRotationOutcome.Refused, "another rotation's Pending version is in the vault", null, null, cancellationToken).ConfigureAwait(false);
            throw SecretRequestRules.InProgress(definition.Name, null, null, null);
        }

        return fresh;
    }

    private async Task<SecretRotationResult> RunAsync(Run run, SecretRotationRecord record, SecretRotationRequest request, CancellationToken cancellationToken)
    {
        var (definition, name, token) = (run.Definition, run.Definition.Name, record.RequestToken);

        // Reverting is resumed as such: a revert once begun is finished, never turned back into a rotation.
        if (record.Step == SecretRotationStep.Reverting)
        {
            return await RevertAsync(run, record, record.Reason ?? "an interrupted revert was resumed", cancellationToken).ConfigureAwait(false);
        }

        // Create: the Pending version goes into the vault first, so no target ever holds a value the vault does not.
        run.Step("creating the pending version", 10);
        var pending = vault.CreatePending(record, request.Value, () => request.Value ?? SecretService.Generate(request.Length ?? definition.Length), request.RequestedBy);
        if (pending is null)
        {
            // Killed after the vault was finished but before the journal said so.
            return await EndSucceededAsync(run, record, record.FromVersion, record.ToVersion!.Value, cancellationToken).ConfigureAwait(false);
        }

        await journal.StepAsync(token, SecretRotationStep.Created, cancellationToken, toVersion: pending.Version).ConfigureAwait(false);
        log.Information("Rotation {RequestToken} of {Secret}: pending version {Version} created", token, name, pending.Version);
        record = record with { ToVersion = pending.Version, FromVersion = pending.CurrentVersion };
        var first = pending.CurrentValue is null;

        // Set: every target gets the pending value, with the current one beside it as the previous (still accepted).
        await journal.StepAsync(token, SecretRotationStep.Setting, cancellationToken).ConfigureAwait(false);
        run.Step($"setting the new value on {definition.Targets.Count} target(s)", 30);
        try
        {
            await writer.WriteAsync(definition, pending.Value, pending.CurrentValue, "set", run.Trail.Targets, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (first && e is SecretTargetException or OperationCanceledException)
        {
            // A first value has nothing to go back to: the vault keeps it as Pending, the journal keeps the rotation open.
            var why = e is SecretTargetException t ? $"setting it failed at {t.Target}: {t.Message}" : "the rotation was cancelled while setting it";
            throw new SecretException(SecretFailure.RevertIncomplete, name,
                $"The first value of '{name}' is not set everywhere: {why} The vault keeps it as Pending so nothing is lost. Fix the target, then run Update-Secret -Name {name} -RequestToken {token} to finish.", e);
        }
        catch (Exception e) when (e is SecretTargetException or OperationCanceledException)
        {
            var reason = e is SecretTargetException t ? $"setting the new value failed at {t.Target}: {t.Message}" : "the rotation was cancelled while setting the new value";
            return await RevertAsync(run, record, reason, CancellationToken.None, rethrowCancellation: e as OperationCanceledException).ConfigureAwait(false);
        }

        // Test: the consumers must accept the new value.
        await journal.StepAsync(token, SecretRotationStep.Testing, cancellationToken, trail: run.Trail).ConfigureAwait(false);
        TestHooks.PauseIfAsked("secret-testing", markerFolder);
        run.Step("verifying the consumers with the new value", 60);
        string? failure;
        try
        {
            failure = await verifier.VerifyAsync(definition, pending.Value, run.Trail.Checks, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            return await RevertAsync(run, record, "the rotation was cancelled while verifying the new value", CancellationToken.None, rethrowCancellation: e).ConfigureAwait(false);
        }

        if (failure is not null && !first)
        {
            return await RevertAsync(run, record, failure, CancellationToken.None).ConfigureAwait(false);
        }

        if (failure is not null)
        {
            // A first value has nothing to go back to; it is kept, and the failed check says what to look at.
            run.Reporter.Warning($"'{name}' got its first value, but a check failed: {failure}");
        }

        // Finish: Pending becomes Current, Current becomes Previous; versions without a label are dropped.
        await journal.StepAsync(token, SecretRotationStep.Finishing, cancellationToken, trail: run.Trail).ConfigureAwait(false);
        TestHooks.PauseIfAsked("secret-finishing", markerFolder);
        run.Step("making the new value current", 85);
        vault.Promote(name, pending.Version);
        return await EndSucceededAsync(run, record, pending.CurrentVersion, pending.Version, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SecretRotationResult> EndSucceededAsync(Run run, SecretRotationRecord record, int? fromVersion, int toVersion, CancellationToken cancellationToken)
    {
        var name = run.Definition.Name;
        DateTimeOffset? until = fromVersion is null ? null : grace.EndFromNow(record.GracePeriod);

        // The previous value of any earlier rotation was replaced on the targets by this rotation's set step.
        await journal.MarkPreviousRemovedAsync(name, CancellationToken.None).ConfigureAwait(false);
        var outcome = fromVersion is null ? SecretRotationOutcome.Created : SecretRotationOutcome.Rotated;
        await journal.EndAsync(record.RequestToken, SecretRotationState.Succeeded, outcome, null, until, run.Trail, CancellationToken.None).ConfigureAwait(false);
        log.Information("Rotation {RequestToken} of {Secret}: version {Version} is current; previous valid until {ValidUntil}",
            record.RequestToken, name, toVersion, until?.ToString("o") ?? "-");
        run.Done("done");

        if (fromVersion is not null && record.GracePeriod <= TimeSpan.Zero)
        {
            await grace.CompleteExpiredAsync([name], force: true, run.Reporter, cancellationToken).ConfigureAwait(false);
        }

        return new SecretRotationResult
        {
            Name = name,
            Outcome = outcome,
            FromVersion = fromVersion,
            ToVersion = toVersion,
            Targets = run.Trail.Targets,
            Checks = run.Trail.Checks,
            PreviousValidUntil = until,
            RequestToken = record.RequestToken,
            Duration = run.Clock.Elapsed,
        };
    }

    /// <summary>
    /// Puts the current value back on every target and discards Pending. A target that cannot be written back (and may
    /// hold the new value) leaves the rotation at the Reverting step: the same token finishes the revert later.
    /// </summary>
    private async Task<SecretRotationResult> RevertAsync(Run run, SecretRotationRecord record, string reason, CancellationToken cancellationToken,
        OperationCanceledException? rethrowCancellation = null)
    {
        var (definition, name, token, trail) = (run.Definition, run.Definition.Name, record.RequestToken, run.Trail);

        // Targets this run never wrote (their set failed, atomically, or was not reached) still hold what they held.
        var written = trail.Targets.Where(t => t.Action == "set" && t.Status == SecretCheckStatus.Pass).Select(t => t.Target).ToHashSet(StringComparer.Ordinal);
        var untouched = trail.Targets.Count == 0 ? [] : definition.Targets.Select(d => d.Display).Where(d => !written.Contains(d)).ToHashSet(StringComparer.Ordinal);
        await journal.StepAsync(token, SecretRotationStep.Reverting, cancellationToken, trail: trail).ConfigureAwait(false);
        run.Step("putting the current value back on the targets", 90);
        log.Warning("Rotation {RequestToken} of {Secret} failed, reverting: {Reason}", token, name, reason);

        var secret = vault.Read().Find(name);
        var current = secret?.Current;
        var revertResults = new List<SecretTargetResult>();

        // With no current value there is nothing to go back to: a first value stays pending until resumed.
        if (current is not null)
        {
            var previous = await grace.StillValidPreviousAsync(secret!, cancellationToken).ConfigureAwait(false);
            var pending = record.ToVersion is int v ? secret!.GetVersion(v)?.Value : null;
            try
            {
                await writer.RevertAsync(definition, current.Value, previous, pending, untouched, revertResults, cancellationToken).ConfigureAwait(false);
            }
            catch (SecretTargetException e)
            {
                trail.Targets.AddRange(revertResults);
                var message = $"The rotation of '{name}' failed ({reason}), and putting the current value back failed at {e.Target}: {e.Message} " +
                    $"The vault keeps the new value as Pending so nothing is lost. Fix the target, then run Update-Secret -Name {name} -RequestToken {token} to finish the revert.";
                await journal.StepAsync(token, SecretRotationStep.Reverting, CancellationToken.None, trail: trail).ConfigureAwait(false);
                throw new SecretException(SecretFailure.RevertIncomplete, name, message, e);
            }

            vault.DiscardPending(name);
        }

        trail.Targets.AddRange(revertResults);
        await journal.EndAsync(token, SecretRotationState.Reverted, SecretRotationOutcome.Reverted, reason, null, trail, CancellationToken.None).ConfigureAwait(false);
        run.Done("reverted");
        if (rethrowCancellation is not null)
        {
            throw rethrowCancellation;
        }

        return new SecretRotationResult
        {
            Name = name,
            Outcome = SecretRotationOutcome.Reverted,
            FromVersion = current?.Version,
            ToVersion = record.ToVersion,
            Targets = trail.Targets,
            Checks = trail.Checks,
            RequestToken = token,
            Reason = reason,
            Duration = run.Clock.Elapsed,
        };
    }

    /// <summary>One run of the state machine: the secret, where its progress goes, its clock, and its trail so far.</summary>
    private sealed class Run(ManagedSecretDefinition definition, IOpsReporter reporter, Stopwatch clock)
    {
        public ManagedSecretDefinition Definition { get; } = definition;

        public IOpsReporter Reporter { get; } = reporter;

        public Stopwatch Clock { get; } = clock;

        public SecretRotationTrail Trail { get; } = new();

        public void Step(string status, int percent) =>
            Reporter.Progress(new OpsProgress(SecretService.ProgressId, $"Rotating '{Definition.Name}'", status, percent));

        public void Done(string status) =>
            Reporter.Progress(new OpsProgress(SecretService.ProgressId, $"Rotating '{Definition.Name}'", status, 100, Completed: true));
    }
}
