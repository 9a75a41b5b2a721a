using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Secrets.Targets;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// Writes a secret's values to its targets and puts them back after a failure, one target after another under a lock
/// shared by every process (two secrets may share a file, one env file per slot, and each write replaces the whole
/// file). Every target it touches gets a row in the trail; the first that cannot be written stops the run.
/// </summary>
internal sealed class SecretTargetWriter(SecretSettings settings, Func<SecretTargetDefinition, ISecretTarget> targets)
{
    /// <summary>How long a writer waits for another process's writes to the targets.</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Makes every target hold <paramref name="current"/>, with <paramref name="previous"/> beside it when not null
    /// (a null previous removes the one a target held). Each row is recorded under <paramref name="action"/>.
    /// </summary>
    /// <exception cref="SecretTargetException">A target could not be written; its Fail row is in the trail, the targets after it were not tried.</exception>
    public Task WriteAsync(ManagedSecretDefinition definition, SecretValue current, SecretValue? previous, string action, List<SecretTargetResult> results, CancellationToken cancellationToken) =>
        ApplyEachAsync(definition, current, previous, action, previous is null ? "current value only" : "current value, previous beside it", null, results, cancellationToken);

    /// <summary>
    /// Puts the current value (and a still valid previous one) back on every target. A target that cannot be written is
    /// tolerated only when it provably does not hold <paramref name="pending"/>: it is one of <paramref name="untouched"/>
    /// (this run never wrote it), or it reads back as something else. A command cannot be read back.
    /// </summary>
    /// <exception cref="SecretTargetException">A target that may hold the pending value could not be written back.</exception>
    public Task RevertAsync(ManagedSecretDefinition definition, SecretValue current, SecretValue? previous, SecretValue? pending,
        IReadOnlySet<string> untouched, List<SecretTargetResult> results, CancellationToken cancellationToken) =>
        ApplyEachAsync(definition, current, previous, "revert", "current value back", (d, target) =>
        {
            if (untouched.Contains(target.Display))
            {
                return true;
            }

            var holds = d.Kind == SecretTargetKind.Command ? null : SafeRead(target);
            return d.Kind != SecretTargetKind.Command && (holds is null || pending is null || !holds.ValueEquals(pending));
        }, results, cancellationToken);

    /// <summary>
    /// Applies the values to each target in turn under the lock, a Pass row each. A target that cannot be written gets a
    /// Warn row when <paramref name="neverGotNewValue"/> says so, and otherwise a Fail row and stops the run.
    /// </summary>
    private async Task ApplyEachAsync(ManagedSecretDefinition definition, SecretValue current, SecretValue? previous, string action, string passed,
        Func<SecretTargetDefinition, ISecretTarget, bool>? neverGotNewValue, List<SecretTargetResult> results, CancellationToken cancellationToken)
    {
        using var held = Lock($"{action} {definition.Name}");
        foreach (var d in definition.Targets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = targets(d);
            try
            {
                await target.ApplyAsync(current, previous, cancellationToken).ConfigureAwait(false);
                results.Add(new SecretTargetResult(target.Display, action, SecretCheckStatus.Pass, passed));
            }
            catch (SecretTargetException e)
            {
                if (neverGotNewValue?.Invoke(d, target) != true)
                {
                    results.Add(new SecretTargetResult(target.Display, action, SecretCheckStatus.Fail, e.Message));
                    throw;
                }

                results.Add(new SecretTargetResult(target.Display, action, SecretCheckStatus.Warn, $"not writable, but it never got the new value: {e.Message}"));
            }
        }
    }

    /// <summary>The first non-empty value a target already holds (a key in use before the secret was managed), or null.</summary>
    public SecretValue? ReadExisting(ManagedSecretDefinition definition) =>
        definition.Targets.Select(targets).Select(t => t.ReadCurrent()).FirstOrDefault(v => v is { Length: > 0 });

    private IDisposable Lock(string operation) => VaultLock.AcquireTargets(settings.VaultPath, LockWait, operation);

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
}
