using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>A rotation's Pending version beside the Current one it replaces (none for a first value).</summary>
internal sealed record PendingVersion(int Version, SecretValue Value, int? CurrentVersion, SecretValue? CurrentValue);

/// <summary>
/// The vault side of rotation: reading the contents (empty before the first write), adding the Pending version,
/// promoting it (Pending becomes Current, Current becomes Previous), discarding it, and removing a Previous whose grace
/// period ended. Each change is one <see cref="SecretVault.Update"/>, so it happens under the vault's lock or not at all.
/// </summary>
internal sealed class RotationVault(SecretSettings settings, Func<bool, VaultHandle> open, TimeProvider time)
{
    /// <summary>The vault's contents; empty, without asking for a key, while there is no vault file.</summary>
    public VaultContents Read()
    {
        if (!File.Exists(settings.VaultPath))
        {
            return VaultContents.Empty;
        }

        using var handle = open(false);
        return handle.Vault.Read();
    }

    /// <summary>The secret as a rotation about to write finds it; opening may make the first key file.</summary>
    public VaultSecret? FindForWrite(string name)
    {
        using var handle = open(true);
        return handle.Vault.Read().Find(name);
    }

    /// <summary>
    /// Adds the Pending version of <paramref name="record"/>'s rotation, or takes the one a resumed rotation made before;
    /// <paramref name="newValue"/> is asked only when there is none. Null when the vault shows the rotation already
    /// finished (the journal was about to say so when the process died).
    /// </summary>
    /// <exception cref="SecretException">The Pending value differs from <paramref name="given"/>, a value given again on resume.</exception>
    public PendingVersion? CreatePending(SecretRotationRecord record, SecretValue? given, Func<SecretValue> newValue, string requestedBy)
    {
        var name = record.Name;
        using var handle = open(true);
        var before = handle.Vault.Read().Find(name);
        if (record.Step >= SecretRotationStep.Finishing && record.ToVersion is not null && before is not null
            && before.WithLabel(VaultLabels.Pending) is null && before.Current?.Version == record.ToVersion)
        {
            return null;
        }

        var after = handle.Vault.Update(c =>
        {
            var pending = c.Find(name)?.WithLabel(VaultLabels.Pending);
            if (pending is not null)
            {
                if (given is { } v && !pending.Value.ValueEquals(v))
                {
                    throw new SecretException(SecretFailure.RequestTokenMismatch, name,
                        $"The rotation {record.RequestToken} of '{name}' already has a pending value, and the -Value given now differs from it. Resume without -Value, or let it finish first.");
                }

                return c;
            }

            return c.AddVersion(name, newValue(), [VaultLabels.Pending], requestedBy, time.GetUtcNow());
        }, $"create a pending version of {name}");
        var secret = after.Find(name)!;
        var created = secret.WithLabel(VaultLabels.Pending)!;
        return new PendingVersion(created.Version, created.Value, secret.Current?.Version, secret.Current?.Value);
    }

    /// <summary>Makes <paramref name="pendingVersion"/> Current in the vault (see <see cref="Promote(VaultContents, string, int)"/>).</summary>
    public void Promote(string name, int pendingVersion)
    {
        using var handle = open(false);
        handle.Vault.Update(c => Promote(c, name, pendingVersion), $"finish the rotation of {name}");
    }

    /// <summary>
    /// Pending becomes Current, the old Current becomes Previous (or no Previous is left when there was none), and
    /// versions left without a label are dropped. Unchanged when that version is gone or Current already.
    /// </summary>
    public static VaultContents Promote(VaultContents contents, string name, int pendingVersion)
    {
        var s = contents.Find(name);
        if (s?.GetVersion(pendingVersion) is null || s.Current?.Version == pendingVersion)
        {
            return contents;
        }

        var oldCurrent = s.Current?.Version;
        var next = contents.RemoveLabel(name, VaultLabels.Pending).MoveLabel(name, VaultLabels.Current, pendingVersion);
        next = oldCurrent is int old ? next.MoveLabel(name, VaultLabels.Previous, old) : next.RemoveLabel(name, VaultLabels.Previous);
        foreach (var unlabelled in next.Find(name)!.Versions.Where(v => v.Labels.IsEmpty).Select(v => v.Version).ToList())
        {
            next = next.RemoveVersion(name, unlabelled);
        }

        return next;
    }

    /// <summary>Removes the Pending version of a reverted rotation, if it is still there.</summary>
    public void DiscardPending(string name) =>
        RemoveLabelled(name, VaultLabels.Pending, $"discard the pending version of {name}");

    /// <summary>Removes the Previous version once no target holds it any more.</summary>
    public void RemovePrevious(string name) =>
        RemoveLabelled(name, VaultLabels.Previous, $"remove the previous version of {name}");

    private void RemoveLabelled(string name, string label, string operation)
    {
        using var handle = open(false);
        handle.Vault.Update(c => c.Find(name)?.WithLabel(label) is { } v ? c.RemoveVersion(name, v.Version) : c, operation);
    }
}
