using System.Security.Cryptography;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Secrets.Targets;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Core.LogWriting;
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
/// <remarks>
/// This is the facade the cmdlets, the service and the runbooks call. It answers questions about the secrets (their
/// metadata, which are due, a value) itself and hands the work to its collaborators: <see cref="SecretRotation"/> (the
/// state machine), <see cref="SecretTargetWriter"/> (targets), <see cref="SecretConsumerVerifier"/> (the test step),
/// <see cref="SecretGracePeriods"/> (the previous value's validity and removal), <see cref="RotationVault"/> (versions
/// and labels) and <see cref="SecretRotationJournal"/> (the journal).
/// </remarks>
public sealed class SecretService
{
    /// <summary>The progress bar of rotations and completions.</summary>
    internal const int ProgressId = 61;

    private static readonly char[] Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".ToCharArray();

    private readonly OpsConfig _config;
    private readonly TimeProvider _time;
    private readonly RotationVault _vault;
    private readonly SecretRotationJournal _journal;
    private readonly SecretTargetWriter _writer;
    private readonly SecretGracePeriods _grace;
    private readonly SecretRotation _rotation;

    /// <param name="open">Opens the vault; the argument says whether a new key file may be created (writes only).</param>
    /// <param name="targets">Makes the writer of one target.</param>
    public SecretService(OpsConfig config, IStateStore store, HealthService health, Func<bool, VaultHandle> open,
        Func<SecretTargetDefinition, ISecretTarget> targets, TimeProvider time, ILogger log)
    {
        log = log.ForCategory("secrets");
        _config = config;
        _time = time;
        _vault = new RotationVault(config.Secrets, open, time);
        _journal = new SecretRotationJournal(store.Secrets, time);
        _writer = new SecretTargetWriter(config.Secrets, targets);
        _grace = new SecretGracePeriods(config.Secrets, _vault, _journal, _writer, time, log);
        var verifier = new SecretConsumerVerifier(config, health, targets, time);

        // Where crash tests find the pause markers.
        var markerFolder = Path.Combine(config.OpsRoot, "secrets-test");
        _rotation = new SecretRotation(markerFolder, _vault, _journal, _writer, verifier, _grace, time, log);
    }

    private SecretSettings Settings => _config.Secrets;

    /// <summary>Metadata of every configured secret and every secret in the vault, by name.</summary>
    public async Task<IReadOnlyList<ManagedSecretInfo>> GetAsync(CancellationToken cancellationToken)
    {
        var contents = _vault.Read();
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
            var validUntil = previous is null ? null : await _grace.ValidUntilAsync(name, cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// The due secrets (see <see cref="GetDueAsync"/>) as Update-Secret -All works through them: a generated one is to
    /// be rotated; an external one comes with its Due result and a warning, since its value must come from its issuer.
    /// </summary>
    public async Task<IReadOnlyList<SecretDueRotation>> PlanDueAsync(TimeSpan? olderThan, CancellationToken cancellationToken) =>
        (await GetDueAsync(olderThan, cancellationToken).ConfigureAwait(false))
        .Select(d => d.Definition.Source == SecretSource.External ? DueFromOutside(d.Definition, d.Info, d.Limit) : new SecretDueRotation { Definition = d.Definition })
        .ToList();

    private static SecretDueRotation DueFromOutside(ManagedSecretDefinition definition, ManagedSecretInfo info, TimeSpan limit) => new()
    {
        Definition = definition,
        Due = new SecretRotationResult
        {
            Name = definition.Name,
            Outcome = SecretRotationOutcome.Due,
            FromVersion = info.CurrentVersion,
            Reason = info.CurrentVersion is null ? "it has no value yet" : $"it is {info.Age?.TotalDays:0.#} days old (limit {limit.TotalDays:0.#}); its value must come from its issuer",
        },
        Warning = $"'{definition.Name}' is due, but its value comes from outside: rotate it with Update-Secret -Name {definition.Name} -Value <SecureString>.",
    };

    /// <summary>
    /// What rotating <paramref name="definition"/> does, for a confirmation prompt: the targets it writes, the checks of
    /// the new value, and how long the previous value stays valid.
    /// </summary>
    /// <param name="valueGiven">A value comes with the request (-Value); otherwise one is generated.</param>
    /// <param name="gracePeriod">The grace period asked for; null takes the secret's or the configured one.</param>
    public static string DescribeRotation(OpsConfig config, ManagedSecretDefinition definition, bool valueGiven, TimeSpan? gracePeriod)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(definition);
        var checks = SecretConsumerVerifier.Describe(config, definition);
        var value = valueGiven ? "the value given" : "a generated value";
        var grace = SecretGracePeriods.For(config.Secrets, definition, gracePeriod);
        return $"Rotate secret '{definition.Name}' to {value}: write {string.Join("; ", definition.Targets.Select(t => t.Display))}; verify {(checks.Count == 0 ? "nothing (no consumer configured)" : string.Join(", ", checks))}; keep the previous value valid for {grace}.";
    }

    /// <summary>The Current value of <paramref name="name"/>; the caller decides how it leaves the process.</summary>
    public SecretValue Reveal(string name)
    {
        var secret = _vault.Read().Find(name);
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
        var grace = SecretGracePeriods.For(Settings, definition, request.GracePeriod);
        return await _rotation.RotateAsync(definition, request, grace, reporter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives <paramref name="name"/> its first value when it has none: the value a File target already holds when
    /// <paramref name="importExisting"/> (so a key in use keeps working), else a generated one. Null when it has a value.
    /// </summary>
    public async Task<SecretRotationResult?> ProvisionAsync(string name, bool importExisting, string requestedBy, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var definition = Definition(name);
        var secret = _vault.FindForWrite(definition.Name);
        if (secret?.Current is not null || secret?.WithLabel(VaultLabels.Pending) is not null)
        {
            return null;
        }

        var existing = importExisting ? _writer.ReadExisting(definition) : null;
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
    public Task<IReadOnlyList<SecretRotationResult>> CompleteExpiredAsync(IReadOnlyCollection<string>? names, bool force, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _grace.CompleteExpiredAsync(names, force, reporter, cancellationToken);

    /// <summary>The rotation journal, newest first.</summary>
    public Task<IReadOnlyList<SecretRotationRecord>> GetRotationsAsync(string? name, bool runningOnly, int limit, CancellationToken cancellationToken) =>
        _journal.ListAsync(name, runningOnly, limit, cancellationToken);

    /// <summary>A cryptographically random value of <paramref name="length"/> characters from [A-Za-z0-9].</summary>
    public static SecretValue Generate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 4096);
        return SecretValue.FromString(RandomNumberGenerator.GetString(Alphabet, length));
    }
}
