using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Secrets.Targets;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Core.Logging;
using Serilog;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// Secret rotation in the manner of AWS Secrets Manager: create a Pending version → set it on every target (the current
/// value stays valid beside it) → test the consumers with it → finish (Pending becomes Current, Current becomes Previous)
/// → after the grace period, remove Previous from the targets. Each step is journaled under a request token before it
/// runs, so a rotation that was interrupted resumes (or reverts) when run again with the same token. A failure in set
/// or test puts the current value back on every target and discards Pending. No value ever reaches a log, a message or
/// the journal.
/// </summary>
public sealed class SecretService
{
    private const int ProgressId = 61;

    /// <summary>How long the test step keeps retrying a consumer that still rejects the new value (it may be reloading).</summary>
    internal static TimeSpan VerifyPatience { get; set; } = TimeSpan.FromSeconds(10);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly char[] Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".ToCharArray();

    private readonly OpsConfig _config;
    private readonly IStateStore _store;
    private readonly HealthService _health;
    private readonly Func<bool, VaultHandle> _open;
    private readonly Func<SecretTargetDefinition, ISecretTarget> _targets;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    /// <param name="open">Opens the vault; the argument says whether a new key file may be created (writes only).</param>
    /// <param name="targets">Makes the writer of one target.</param>
    public SecretService(OpsConfig config, IStateStore store, HealthService health, Func<bool, VaultHandle> open,
        Func<SecretTargetDefinition, ISecretTarget> targets, TimeProvider time, ILogger log)
    {
        _config = config;
        _store = store;
        _health = health;
        _open = open;
        _targets = targets;
        _time = time;
        _log = log.ForCategory("secrets");
    }

    private SecretSettings Settings => _config.Secrets;

    /// <summary>Where crash tests find the pause markers.</summary>
    private string MarkerFolder => Path.Combine(_config.OpsRoot, "secrets-test");

    /// <summary>Metadata of every configured secret and every secret in the vault, by name.</summary>
    public async Task<IReadOnlyList<ManagedSecretInfo>> GetAsync(CancellationToken cancellationToken)
    {
        var contents = ReadVault();
        var names = Settings.Items.Select(i => i.Name)
            .Concat(contents.Secrets.Keys)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
        var now = _time.GetUtcNow();
        var list = new List<ManagedSecretInfo>();
        foreach (var name in names)
        {
            var definition = Settings.Find(name);
            var secret = contents.Find(name);
            var current = secret?.Current;
            var previous = secret?.WithLabel(VaultLabels.Previous);
            DateTimeOffset? validUntil = null;
            if (previous is not null)
            {
                validUntil = (await LastFinishedAsync(name, cancellationToken).ConfigureAwait(false))?.PreviousValidUntil;
            }

            var rotateAfter = definition?.RotateAfter ?? Settings.RotateAfter;
            list.Add(new ManagedSecretInfo
            {
                Name = secret?.Name ?? definition!.Name,
                CurrentVersion = current?.Version,
                LastRotated = current?.CreatedAt,
                LastRotatedBy = current?.CreatedBy,
                Age = current is null ? null : now - current.CreatedAt,
                PendingVersion = secret?.WithLabel(VaultLabels.Pending)?.Version,
                PreviousVersion = previous?.Version,
                PreviousValidUntil = validUntil,
                Targets = definition?.Targets.Select(t => t.Display).ToList() ?? [],
                Wrappers = definition?.Wrappers ?? [],
                Source = definition?.Source.ToString(),
                Due = definition is not null && (current is null || now - current.CreatedAt >= rotateAfter),
                Configured = definition is not null,
            });
        }

        return list;
    }

    /// <summary>
    /// The configured secrets due for rotation: no value yet, or a current value at least <paramref name="olderThan"/> old
    /// (each secret's rotateAfterDays when null), with the limit that applied.
    /// </summary>
    public async Task<IReadOnlyList<(ManagedSecretDefinition Definition, ManagedSecretInfo Info, TimeSpan Limit)>> GetDueAsync(TimeSpan? olderThan, CancellationToken cancellationToken)
    {
        var infos = await GetAsync(cancellationToken).ConfigureAwait(false);
        return Settings.Items
            .Select(d => (Definition: d, Info: infos.First(i => string.Equals(i.Name, d.Name, StringComparison.OrdinalIgnoreCase)), Limit: olderThan ?? d.RotateAfter ?? Settings.RotateAfter))
            .Where(x => x.Info.CurrentVersion is null || x.Info.Age >= x.Limit)
            .ToList();
    }

    /// <summary>The Current value of <paramref name="name"/>; the caller decides how it leaves the process.</summary>
    public SecretValue Reveal(string name)
    {
        var secret = ReadVault().Find(name);
        return secret?.Current?.Value
            ?? throw new SecretException(SecretFailure.NoValue, name, secret is null
                ? $"The vault holds no secret named '{name}'. Get-ManagedSecret lists the secrets; Update-Secret -Name {name} gives it a first value."
                : $"The secret '{name}' has no Current version yet; finish or resume its rotation with Update-Secret.");
    }

    /// <summary>The configured definition, or a clear error naming the configured ones.</summary>
    public ManagedSecretDefinition Definition(string name) =>
        Settings.Find(name) ?? throw new SecretException(SecretFailure.NotConfigured, name,
            $"The configuration names no secret '{name}'. Configured: {(Settings.Items.Count == 0 ? "none" : string.Join(", ", Settings.Items.Select(i => i.Name)))}. Add it under secrets.items in {_config.SourcePath}.");

    /// <summary>
    /// Rotates one secret, or resumes the rotation journaled under <see cref="SecretRotationRequest.RequestToken"/>.
    /// A second rotation while one is under way is refused (a <see cref="SecretException"/> naming the token to resume).
    /// </summary>
    public async Task<SecretRotationResult> RotateAsync(SecretRotationRequest request, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var definition = Definition(request.Name);
        var clock = Stopwatch.StartNew();
        var token = request.RequestToken ?? Guid.NewGuid().ToString("N");
        ValidateToken(token, definition.Name);
        if (request.Value is { } given)
        {
            ValidateValue(given, definition.Name);
        }

        var grace = request.GracePeriod ?? definition.GracePeriod ?? Settings.GracePeriod;
        var record = await _store.Secrets.GetRotationAsync(token, cancellationToken).ConfigureAwait(false);
        if (record is not null && !string.Equals(record.Name, definition.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new SecretException(SecretFailure.RequestTokenMismatch, definition.Name,
                $"The request token '{token}' belongs to a rotation of '{record.Name}', not '{definition.Name}'. Use a new token, or none.");
        }

        if (record is { State: not SecretRotationState.Running })
        {
            // Idempotent: the same request again reports what it did, and does nothing.
            return FromRecord(record, clock.Elapsed);
        }

        if (record is null)
        {
            if (definition.Source == SecretSource.External && request.Value is null)
            {
                throw new SecretException(SecretFailure.ValueRequired, definition.Name,
                    $"The value of '{definition.Name}' is issued elsewhere (source: external): give it with -Value (a SecureString), e.g. -Value (Read-Host -AsSecureString).");
            }

            SecretRotationRecord fresh;
            using (var handle = _open(true))
            {
                var secret = handle.Vault.Read().Find(definition.Name);
                fresh = new SecretRotationRecord
                {
                    RequestToken = token,
                    Name = definition.Name,
                    FromVersion = secret?.Current?.Version,
                    Step = SecretRotationStep.Started,
                    State = SecretRotationState.Running,
                    StartedAt = _time.GetUtcNow(),
                    StartedBy = request.RequestedBy,
                    GracePeriod = grace,
                };
                if (!await _store.Secrets.TryAddRotationAsync(fresh, cancellationToken).ConfigureAwait(false))
                {
                    var running = (await _store.Secrets.GetRotationsAsync(definition.Name, runningOnly: true, 1, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
                    throw InProgress(definition.Name, running?.RequestToken, running?.StartedBy, running?.Step);
                }

                if (secret?.WithLabel(VaultLabels.Pending) is not null)
                {
                    // A Pending version no journal entry owns (a journal restored from an older backup): refuse rather than guess.
                    await _store.Secrets.EndRotationAsync(token, SecretRotationState.Reverted, nameof(SecretRotationOutcome.Refused), "another rotation's Pending version is in the vault", null, null, cancellationToken).ConfigureAwait(false);
                    throw InProgress(definition.Name, null, null, null);
                }
            }

            record = fresh;
        }
        else
        {
            reporter.Verbose($"Resuming the rotation of '{definition.Name}' (request token {token}) at step {record.Step}.");
            _log.Information("Resuming rotation of {Secret} request {RequestToken} at step {Step}", definition.Name, token, record.Step.ToString());
        }

        return await RunAsync(definition, record, request, reporter, clock, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives <paramref name="name"/> its first value when it has none: the value a File target already holds when
    /// <paramref name="importExisting"/> (so a key in use keeps working), else a generated one. Null when it has a value.
    /// </summary>
    public async Task<SecretRotationResult?> ProvisionAsync(string name, bool importExisting, string requestedBy, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var definition = Definition(name);
        using (var handle = _open(true))
        {
            var secret = handle.Vault.Read().Find(definition.Name);
            if (secret?.Current is not null)
            {
                return null;
            }

            if (secret?.WithLabel(VaultLabels.Pending) is not null)
            {
                return null;
            }
        }

        SecretValue? existing = null;
        if (importExisting)
        {
            existing = definition.Targets.Select(_targets).Select(t => t.ReadCurrent()).FirstOrDefault(v => v is { Length: > 0 });
        }

        if (existing is null && definition.Source == SecretSource.External)
        {
            return null;
        }

        return await RotateAsync(new SecretRotationRequest { Name = definition.Name, Value = existing, RequestedBy = requestedBy }, reporter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes from the targets every Previous value whose grace period has ended (all of them when
    /// <paramref name="force"/>), then from the vault. One result per secret it touched.
    /// </summary>
    public async Task<IReadOnlyList<SecretRotationResult>> CompleteExpiredAsync(IReadOnlyCollection<string>? names, bool force, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        if (!File.Exists(Settings.VaultPath))
        {
            return [];
        }

        var results = new List<SecretRotationResult>();
        var contents = ReadVault();
        var now = _time.GetUtcNow();
        foreach (var definition in Settings.Items.Where(d => names is null || names.Contains(d.Name, StringComparer.OrdinalIgnoreCase)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var secret = contents.Find(definition.Name);
            var previous = secret?.WithLabel(VaultLabels.Previous);
            if (secret?.Current is null || previous is null || secret.WithLabel(VaultLabels.Pending) is not null)
            {
                continue;
            }

            var last = await LastFinishedAsync(definition.Name, cancellationToken).ConfigureAwait(false);
            if (!force && (last?.PreviousValidUntil is not { } until || until > now))
            {
                continue;
            }

            var clock = Stopwatch.StartNew();
            reporter.Progress(new OpsProgress(ProgressId, $"Completing '{definition.Name}'", "removing the previous value from the targets", 50));
            var targetResults = new List<SecretTargetResult>();
            try
            {
                await ApplyAllAsync(definition, secret.Current.Value, null, "remove previous", targetResults, cancellationToken).ConfigureAwait(false);
            }
            catch (SecretTargetException e)
            {
                results.Add(new SecretRotationResult
                {
                    Name = definition.Name,
                    Outcome = SecretRotationOutcome.Failed,
                    FromVersion = previous.Version,
                    ToVersion = secret.Current.Version,
                    Targets = targetResults,
                    Reason = $"The previous value could not be removed from {e.Target}: {e.Message} It stays in the vault; run Update-Secret -CompleteExpired again.",
                    Duration = clock.Elapsed,
                });
                continue;
            }

            using (var handle = _open(false))
            {
                handle.Vault.Update(c =>
                {
                    var s = c.Find(definition.Name);
                    var p = s?.WithLabel(VaultLabels.Previous);
                    return p is null ? c : c.RemoveVersion(definition.Name, p.Version);
                }, $"remove the previous version of {definition.Name}");
            }

            await _store.Secrets.MarkPreviousRemovedAsync(definition.Name, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            _log.Information("Removed previous version {Version} of {Secret} from {Targets} target(s)", previous.Version, definition.Name, targetResults.Count);
            reporter.Progress(new OpsProgress(ProgressId, $"Completing '{definition.Name}'", "done", 100, Completed: true));
            results.Add(new SecretRotationResult
            {
                Name = definition.Name,
                Outcome = SecretRotationOutcome.Completed,
                FromVersion = previous.Version,
                ToVersion = secret.Current.Version,
                Targets = targetResults,
                Reason = $"previous version {previous.Version} removed from the targets and the vault",
                Duration = clock.Elapsed,
            });
        }

        return results;
    }

    /// <summary>The rotation journal, newest first.</summary>
    public Task<IReadOnlyList<SecretRotationRecord>> GetRotationsAsync(string? name, bool runningOnly, int limit, CancellationToken cancellationToken) =>
        _store.Secrets.GetRotationsAsync(name, runningOnly, limit, cancellationToken);

    /// <summary>A cryptographically random value of <paramref name="length"/> characters from [A-Za-z0-9].</summary>
    public static SecretValue Generate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 4096);
        return SecretValue.FromString(RandomNumberGenerator.GetString(Alphabet, length));
    }

    private async Task<SecretRotationResult> RunAsync(ManagedSecretDefinition definition, SecretRotationRecord record, SecretRotationRequest request, IOpsReporter reporter, Stopwatch clock, CancellationToken cancellationToken)
    {
        var token = record.RequestToken;
        var name = definition.Name;
        var targetResults = new List<SecretTargetResult>();
        var checks = new List<SecretCheckResult>();
        void Step(string status, int percent) => reporter.Progress(new OpsProgress(ProgressId, $"Rotating '{name}'", status, percent));

        // Reverting is resumed as such: a revert once begun is finished, never turned back into a rotation.
        if (record.Step == SecretRotationStep.Reverting)
        {
            return await RevertAsync(definition, record, record.Reason ?? "an interrupted revert was resumed", targetResults, checks, reporter, clock, cancellationToken).ConfigureAwait(false);
        }

        // Create: the Pending version goes into the vault first, so no target ever holds a value the vault does not.
        Step("creating the pending version", 10);
        int pendingVersion;
        int? fromVersion;
        SecretValue? current;
        SecretValue pendingValue;
        using (var handle = _open(true))
        {
            var before = handle.Vault.Read().Find(name);
            if (record.Step >= SecretRotationStep.Finishing && before is not null && before.WithLabel(VaultLabels.Pending) is null && before.Current?.Version == record.ToVersion && record.ToVersion is not null)
            {
                // Killed after the vault was finished but before the journal said so.
                return await EndSucceededAsync(definition, record, record.FromVersion, record.ToVersion.Value, targetResults, checks, reporter, clock, cancellationToken).ConfigureAwait(false);
            }

            var after = handle.Vault.Update(c =>
            {
                var s = c.Find(name);
                var pending = s?.WithLabel(VaultLabels.Pending);
                if (pending is not null)
                {
                    if (request.Value is { } v && !pending.Value.ValueEquals(v))
                    {
                        throw new SecretException(SecretFailure.RequestTokenMismatch, name,
                            $"The rotation {token} of '{name}' already has a pending value, and the -Value given now differs from it. Resume without -Value, or let it finish first.");
                    }

                    return c;
                }

                var value = request.Value ?? Generate(request.Length ?? definition.Length);
                return c.AddVersion(name, value, [VaultLabels.Pending], request.RequestedBy, _time.GetUtcNow());
            }, $"create a pending version of {name}");
            var secret = after.Find(name)!;
            var pending = secret.WithLabel(VaultLabels.Pending)!;
            (pendingVersion, pendingValue) = (pending.Version, pending.Value);
            (fromVersion, current) = (secret.Current?.Version, secret.Current?.Value);
        }

        await _store.Secrets.SetStepAsync(token, SecretRotationStep.Created, pendingVersion, null, cancellationToken).ConfigureAwait(false);
        _log.Information("Rotation {RequestToken} of {Secret}: pending version {Version} created", token, name, pendingVersion);
        record = record with { ToVersion = pendingVersion, FromVersion = fromVersion };

        var first = current is null;

        // Set: every target gets the pending value, with the current one beside it as the previous (still accepted).
        await _store.Secrets.SetStepAsync(token, SecretRotationStep.Setting, null, null, cancellationToken).ConfigureAwait(false);
        Step($"setting the new value on {definition.Targets.Count} target(s)", 30);
        try
        {
            await ApplyAllAsync(definition, pendingValue, current, "set", targetResults, cancellationToken).ConfigureAwait(false);
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
            return await RevertAsync(definition, record, reason, targetResults, checks, reporter, clock, CancellationToken.None, rethrowCancellation: e as OperationCanceledException).ConfigureAwait(false);
        }

        // Test: the consumers must accept the new value.
        await _store.Secrets.SetStepAsync(token, SecretRotationStep.Testing, null, Serialize(targetResults, checks), cancellationToken).ConfigureAwait(false);
        TestHooks.PauseIfAsked("secret-testing", MarkerFolder);
        Step("verifying the consumers with the new value", 60);
        string? failure;
        try
        {
            failure = await TestAsync(definition, pendingValue, checks, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            return await RevertAsync(definition, record, "the rotation was cancelled while verifying the new value", targetResults, checks, reporter, clock, CancellationToken.None, rethrowCancellation: e).ConfigureAwait(false);
        }

        if (failure is not null && !first)
        {
            return await RevertAsync(definition, record, failure, targetResults, checks, reporter, clock, CancellationToken.None).ConfigureAwait(false);
        }

        if (failure is not null)
        {
            // A first value has nothing to go back to; it is kept, and the failed check says what to look at.
            reporter.Warning($"'{name}' got its first value, but a check failed: {failure}");
        }

        // Finish: Pending becomes Current, Current becomes Previous; versions without a label are dropped.
        await _store.Secrets.SetStepAsync(token, SecretRotationStep.Finishing, null, Serialize(targetResults, checks), cancellationToken).ConfigureAwait(false);
        TestHooks.PauseIfAsked("secret-finishing", MarkerFolder);
        Step("making the new value current", 85);
        using (var handle = _open(false))
        {
            handle.Vault.Update(c => Finish(c, name, pendingVersion), $"finish the rotation of {name}");
        }

        return await EndSucceededAsync(definition, record, fromVersion, pendingVersion, targetResults, checks, reporter, clock, cancellationToken).ConfigureAwait(false);
    }

    private static VaultContents Finish(VaultContents c, string name, int pendingVersion)
    {
        var s = c.Find(name);
        if (s?.GetVersion(pendingVersion) is null || s.Current?.Version == pendingVersion)
        {
            return c;
        }

        var oldCurrent = s.Current?.Version;
        var next = c.RemoveLabel(name, VaultLabels.Pending).MoveLabel(name, VaultLabels.Current, pendingVersion);
        next = oldCurrent is int old ? next.MoveLabel(name, VaultLabels.Previous, old) : next.RemoveLabel(name, VaultLabels.Previous);
        foreach (var unlabelled in next.Find(name)!.Versions.Where(v => v.Labels.IsEmpty).Select(v => v.Version).ToList())
        {
            next = next.RemoveVersion(name, unlabelled);
        }

        return next;
    }

    private async Task<SecretRotationResult> EndSucceededAsync(ManagedSecretDefinition definition, SecretRotationRecord record, int? fromVersion, int toVersion,
        List<SecretTargetResult> targetResults, List<SecretCheckResult> checks, IOpsReporter reporter, Stopwatch clock, CancellationToken cancellationToken)
    {
        var name = definition.Name;
        // Whole milliseconds, as the journal keeps it, so the result and Get-ManagedSecret agree.
        DateTimeOffset? until = fromVersion is null ? null : DateTimeOffset.FromUnixTimeMilliseconds((_time.GetUtcNow() + record.GracePeriod).ToUnixTimeMilliseconds());

        // The previous value of any earlier rotation was replaced on the targets by this rotation's set step.
        await _store.Secrets.MarkPreviousRemovedAsync(name, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        var outcome = fromVersion is null ? SecretRotationOutcome.Created : SecretRotationOutcome.Rotated;
        await _store.Secrets.EndRotationAsync(record.RequestToken, SecretRotationState.Succeeded, outcome.ToString(), null, until, Serialize(targetResults, checks), CancellationToken.None).ConfigureAwait(false);
        _log.Information("Rotation {RequestToken} of {Secret}: version {Version} is current; previous valid until {ValidUntil}",
            record.RequestToken, name, toVersion, until?.ToString("o") ?? "-");
        reporter.Progress(new OpsProgress(ProgressId, $"Rotating '{name}'", "done", 100, Completed: true));

        if (fromVersion is not null && record.GracePeriod <= TimeSpan.Zero)
        {
            await CompleteExpiredAsync([name], force: true, reporter, cancellationToken).ConfigureAwait(false);
        }

        return new SecretRotationResult
        {
            Name = name,
            Outcome = outcome,
            FromVersion = fromVersion,
            ToVersion = toVersion,
            Targets = targetResults,
            Checks = checks,
            PreviousValidUntil = until,
            RequestToken = record.RequestToken,
            Duration = clock.Elapsed,
        };
    }

    private async Task<SecretRotationResult> RevertAsync(ManagedSecretDefinition definition, SecretRotationRecord record, string reason,
        List<SecretTargetResult> targetResults, List<SecretCheckResult> checks, IOpsReporter reporter, Stopwatch clock, CancellationToken cancellationToken,
        OperationCanceledException? rethrowCancellation = null)
    {
        // Targets this run never wrote (their set failed, atomically, or was not reached) still hold what they held.
        var written = targetResults.Where(t => t.Action == "set" && t.Status == SecretCheckStatus.Pass).Select(t => t.Target).ToHashSet(StringComparer.Ordinal);
        var untouched = targetResults.Count == 0 ? [] : definition.Targets.Select(d => d.Display).Where(d => !written.Contains(d)).ToHashSet(StringComparer.Ordinal);
        var name = definition.Name;
        var token = record.RequestToken;
        await _store.Secrets.SetStepAsync(token, SecretRotationStep.Reverting, null, Serialize(targetResults, checks), cancellationToken).ConfigureAwait(false);
        reporter.Progress(new OpsProgress(ProgressId, $"Rotating '{name}'", "putting the current value back on the targets", 90));
        _log.Warning("Rotation {RequestToken} of {Secret} failed, reverting: {Reason}", token, name, reason);

        var contents = ReadVault();
        var secret = contents.Find(name);
        var current = secret?.Current;
        var revertResults = new List<SecretTargetResult>();
        if (current is not null)
        {
            var previous = await StillValidPreviousAsync(secret!, cancellationToken).ConfigureAwait(false);
            try
            {
                await RevertTargetsAsync(definition, current.Value, previous, record.ToVersion, untouched, revertResults, cancellationToken).ConfigureAwait(false);
            }
            catch (SecretTargetException e)
            {
                targetResults.AddRange(revertResults);
                var message = $"The rotation of '{name}' failed ({reason}), and putting the current value back failed at {e.Target}: {e.Message} " +
                    $"The vault keeps the new value as Pending so nothing is lost. Fix the target, then run Update-Secret -Name {name} -RequestToken {token} to finish the revert.";
                await _store.Secrets.SetStepAsync(token, SecretRotationStep.Reverting, null, Serialize(targetResults, checks), CancellationToken.None).ConfigureAwait(false);
                throw new SecretException(SecretFailure.RevertIncomplete, name, message, e);
            }
        }

        using (var handle = _open(false))
        {
            handle.Vault.Update(c =>
            {
                var s = c.Find(name);
                var pending = s?.WithLabel(VaultLabels.Pending);
                if (pending is null || current is null)
                {
                    // With no current value there is nothing to go back to: a first value stays pending until resumed.
                    return c;
                }

                return c.RemoveVersion(name, pending.Version);
            }, $"discard the pending version of {name}");
        }

        targetResults.AddRange(revertResults);
        await _store.Secrets.EndRotationAsync(token, SecretRotationState.Reverted, nameof(SecretRotationOutcome.Reverted), reason, null, Serialize(targetResults, checks), CancellationToken.None).ConfigureAwait(false);
        reporter.Progress(new OpsProgress(ProgressId, $"Rotating '{name}'", "reverted", 100, Completed: true));
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
            Targets = targetResults,
            Checks = checks,
            RequestToken = token,
            Reason = reason,
            Duration = clock.Elapsed,
        };
    }

    /// <summary>Runs every check; returns the first failure's description, or null when all passed.</summary>
    private async Task<string?> TestAsync(ManagedSecretDefinition definition, SecretValue value, List<SecretCheckResult> checks, CancellationToken cancellationToken)
    {
        string? failure = null;
        var active = await _health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        foreach (var wrapper in definition.Wrappers)
        {
            var deadline = _time.GetUtcNow() + VerifyPatience;
            var otherFailures = 0;
            IReadOnlyList<Health.OperationRecord> probes;
            while (true)
            {
                probes = await _health.ProbeWithCredentialAsync(wrapper, value, cancellationToken).ConfigureAwait(false);
                var rejected = probes.Any(p => p.StatusCode is (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden);
                var activeFailed = !rejected && probes.Any(p => p.IsFailure && string.Equals(p.Slot, active, StringComparison.OrdinalIgnoreCase));
                if (activeFailed)
                {
                    otherFailures++;
                }

                // A consumer reloads its env file a moment after it changed, answering 401 until then: ask again
                // soon, until the patience runs out. Another failure of the active slot gets the configured retries.
                var again = rejected || (activeFailed && otherFailures <= _config.HealthChecks.Retries);
                if (!again || _time.GetUtcNow() >= deadline)
                {
                    break;
                }

                await Task.Delay(rejected ? TimeSpan.FromMilliseconds(25) : _config.HealthChecks.RetryDelay, _time, cancellationToken).ConfigureAwait(false);
            }

            foreach (var p in probes)
            {
                var check = $"probe {p.Wrapper}/{p.Slot}";
                if (!p.IsFailure)
                {
                    checks.Add(new SecretCheckResult(check, SecretCheckStatus.Pass, $"HTTP {p.StatusCode} in {p.DurationMs:0.#} ms"));
                }
                else if (p.StatusCode is (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden)
                {
                    checks.Add(new SecretCheckResult(check, SecretCheckStatus.Fail, $"rejected the new value (HTTP {p.StatusCode})"));
                    failure ??= $"{p.Wrapper} in slot {p.Slot} rejected the new value (HTTP {p.StatusCode})";
                }
                else if (string.Equals(p.Slot, active, StringComparison.OrdinalIgnoreCase))
                {
                    checks.Add(new SecretCheckResult(check, SecretCheckStatus.Fail, $"the active slot's probe failed: {p.ErrorMessage}"));
                    failure ??= $"{p.Wrapper} in the active slot {p.Slot} could not be verified: {p.ErrorMessage}";
                }
                else
                {
                    checks.Add(new SecretCheckResult(check, SecretCheckStatus.Warn, $"idle slot not reachable, not verified: {p.ErrorMessage}"));
                }
            }
        }

        if (definition.IsServiceApiKey)
        {
            checks.Add(await CheckServiceAsync(value, cancellationToken).ConfigureAwait(false));
            if (checks[^1].Status == SecretCheckStatus.Fail)
            {
                failure ??= $"the monitoring service rejected the new API key: {checks[^1].Detail}";
            }
        }

        if (definition.TestCommand is { } command)
        {
            var runner = _targets(new SecretTargetDefinition { Kind = SecretTargetKind.Command, Command = command });
            try
            {
                await runner.ApplyAsync(value, null, cancellationToken).ConfigureAwait(false);
                checks.Add(new SecretCheckResult($"test command {command.Display}", SecretCheckStatus.Pass, null));
            }
            catch (SecretTargetException e)
            {
                checks.Add(new SecretCheckResult($"test command {command.Display}", SecretCheckStatus.Fail, e.Message));
                failure ??= $"the test command failed: {e.Message}";
            }
        }

        if (checks.Count == 0)
        {
            checks.Add(new SecretCheckResult("consumers", SecretCheckStatus.Skipped, "no wrapper, service or test command consumes this secret; the targets were written"));
        }

        return failure;
    }

    private async Task<SecretCheckResult> CheckServiceAsync(SecretValue value, CancellationToken cancellationToken)
    {
        const string check = "service authentication";
        var running = Service.OpsServiceLauncher.GetRunning(_config);
        if (running is null)
        {
            return new SecretCheckResult(check, SecretCheckStatus.Skipped, "the monitoring service is not running; it reads the new key when it starts");
        }

        using var http = Service.OpsServiceLauncher.CreateClient(running);
        http.Timeout = TimeSpan.FromSeconds(5);
        var deadline = _time.GetUtcNow() + VerifyPatience;
        while (true)
        {
            int? status = null;
            string? error = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(running.ApiUrl, "/api/system/health"));
                request.Headers.TryAddWithoutValidation("X-Api-Key", value.RevealString());
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                status = (int)response.StatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                error = e.Message;
            }

            if (status is >= 200 and < 300 or 503)
            {
                return new SecretCheckResult(check, SecretCheckStatus.Pass, $"{running.ApiUrl} accepted the new key (HTTP {status})");
            }

            if (_time.GetUtcNow() >= deadline)
            {
                return new SecretCheckResult(check, SecretCheckStatus.Fail, error ?? $"{running.ApiUrl} answered HTTP {status}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Serializes target writes across processes: two secrets may share a file (one env file per slot), and each write
    /// reads, changes and replaces the whole file.
    /// </summary>
    private IDisposable LockTargets(string operation) => VaultLock.Acquire(Settings.VaultPath + ".targets", TimeSpan.FromSeconds(30), operation);

    private async Task ApplyAllAsync(ManagedSecretDefinition definition, SecretValue current, SecretValue? previous, string action, List<SecretTargetResult> results, CancellationToken cancellationToken)
    {
        using var held = LockTargets($"{action} {definition.Name}");
        foreach (var d in definition.Targets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = _targets(d);
            try
            {
                await target.ApplyAsync(current, previous, cancellationToken).ConfigureAwait(false);
                results.Add(new SecretTargetResult(target.Display, action, SecretCheckStatus.Pass, previous is null ? "current value only" : "current value, previous beside it"));
            }
            catch (SecretTargetException e)
            {
                results.Add(new SecretTargetResult(target.Display, action, SecretCheckStatus.Fail, e.Message));
                throw;
            }
        }
    }

    /// <summary>
    /// Puts the current value back on every target. A target that cannot be written is tolerated only when it provably
    /// does not hold the pending value: this run never wrote it, or it reads back as something else.
    /// </summary>
    private async Task RevertTargetsAsync(ManagedSecretDefinition definition, SecretValue current, SecretValue? previous, int? pendingVersion,
        HashSet<string> untouched, List<SecretTargetResult> results, CancellationToken cancellationToken)
    {
        using var held = LockTargets($"revert {definition.Name}");
        SecretValue? pending = null;
        if (pendingVersion is int v)
        {
            pending = ReadVault().Find(definition.Name)?.GetVersion(v)?.Value;
        }

        foreach (var d in definition.Targets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = _targets(d);
            try
            {
                await target.ApplyAsync(current, previous, cancellationToken).ConfigureAwait(false);
                results.Add(new SecretTargetResult(target.Display, "revert", SecretCheckStatus.Pass, "current value back"));
            }
            catch (SecretTargetException e)
            {
                var holds = d.Kind == SecretTargetKind.Command ? null : SafeRead(target);
                var unchanged = untouched.Contains(target.Display) || (d.Kind != SecretTargetKind.Command && (holds is null || pending is null || !holds.ValueEquals(pending)));
                if (!unchanged)
                {
                    results.Add(new SecretTargetResult(target.Display, "revert", SecretCheckStatus.Fail, e.Message));
                    throw;
                }

                results.Add(new SecretTargetResult(target.Display, "revert", SecretCheckStatus.Warn, $"not writable, but it never got the new value: {e.Message}"));
            }
        }
    }

    private static SecretValue? SafeRead(ISecretTarget target)
    {
        try
        {
            return target.ReadCurrent();
        }
        catch (Exception e) when (e is SecretTargetException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The Previous value when its grace period still runs (it goes back on the targets in a revert).</summary>
    private async Task<SecretValue?> StillValidPreviousAsync(VaultSecret secret, CancellationToken cancellationToken)
    {
        var previous = secret.WithLabel(VaultLabels.Previous);
        if (previous is null)
        {
            return null;
        }

        var last = await LastFinishedAsync(secret.Name, cancellationToken).ConfigureAwait(false);
        return last?.PreviousValidUntil is { } until && until > _time.GetUtcNow() && last.PreviousRemovedAt is null ? previous.Value : null;
    }

    private async Task<SecretRotationRecord?> LastFinishedAsync(string name, CancellationToken cancellationToken) =>
        (await _store.Secrets.GetRotationsAsync(name, runningOnly: false, 20, cancellationToken).ConfigureAwait(false))
        .FirstOrDefault(r => r.State == SecretRotationState.Succeeded);

    private VaultContents ReadVault()
    {
        if (!File.Exists(Settings.VaultPath))
        {
            return VaultContents.Empty;
        }

        using var handle = _open(false);
        return handle.Vault.Read();
    }

    private static SecretException InProgress(string name, string? token, string? by, SecretRotationStep? step) =>
        new(SecretFailure.RotationInProgress, name, token is null
            ? $"The secret '{name}' already has a Pending version that no recorded rotation owns. Nothing was changed."
            : $"The secret '{name}' is already being rotated (request token {token}, started by {by}, at step {step}). Nothing was changed. Resume that rotation with Update-Secret -Name {name} -RequestToken {token}; it finishes or reverts.");

    private static void ValidateToken(string token, string name)
    {
        if (token.Length is 0 or > 128 || token.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new SecretException(SecretFailure.RequestTokenMismatch, name, "A request token is 1 to 128 letters, digits, '-', '_' or '.'.");
        }
    }

    private static void ValidateValue(SecretValue value, string name)
    {
        var text = value.RevealString();
        if (text.Length == 0 || string.IsNullOrWhiteSpace(text))
        {
            throw new SecretException(SecretFailure.InvalidValue, name, $"The value given for '{name}' is empty. Nothing was changed.");
        }

        if (text.Any(char.IsControl))
        {
            throw new SecretException(SecretFailure.InvalidValue, name, $"The value given for '{name}' holds control characters (a line break?), which env files and headers cannot carry. Nothing was changed.");
        }

        if (text.Length > 65_536)
        {
            throw new SecretException(SecretFailure.InvalidValue, name, $"The value given for '{name}' is longer than 65536 characters. Nothing was changed.");
        }
    }

    private static string Serialize(List<SecretTargetResult> targets, List<SecretCheckResult> checks) =>
        JsonSerializer.Serialize(new JournalResult(targets, checks), Json);

    private static SecretRotationResult FromRecord(SecretRotationRecord r, TimeSpan duration)
    {
        JournalResult? saved = null;
        if (r.ResultJson is { } json)
        {
            try
            {
                saved = JsonSerializer.Deserialize<JournalResult>(json, Json);
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
    /// The outcome the journal recorded. An ended entry always has one; should it be missing or unknown, the state
    /// stands in (a success of a secret that had no version before is its creation).
    /// </summary>
    private static SecretRotationOutcome OutcomeOf(SecretRotationRecord r) =>
        Enum.TryParse<SecretRotationOutcome>(r.Outcome, out var outcome) && Enum.IsDefined(outcome) ? outcome
        : r.State == SecretRotationState.Succeeded ? (r.FromVersion is null ? SecretRotationOutcome.Created : SecretRotationOutcome.Rotated)
        : SecretRotationOutcome.Reverted;

    private sealed record JournalResult(List<SecretTargetResult> Targets, List<SecretCheckResult> Checks);
}
