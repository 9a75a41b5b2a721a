using System.Collections.Immutable;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// Everything a vault holds, immutable: each operation returns new contents and keeps the label rule (a label sits on
/// one version of a secret at most). Secret names compare case-insensitively, as PowerShell users type them.
/// </summary>
public sealed class VaultContents
{
    public static VaultContents Empty { get; } = new(ImmutableSortedDictionary.Create<string, VaultSecret>(StringComparer.OrdinalIgnoreCase));

    private VaultContents(ImmutableSortedDictionary<string, VaultSecret> secrets) => Secrets = secrets;

    public ImmutableSortedDictionary<string, VaultSecret> Secrets { get; }

    public VaultSecret? Find(string name) => Secrets.TryGetValue(name, out var secret) ? secret : null;

    /// <summary>
    /// Adds a version numbered one past the secret's highest (a new secret starts at 1). Each of <paramref name="labels"/>
    /// moves to it from whichever version had it.
    /// </summary>
    public VaultContents AddVersion(string name, SecretValue value, IEnumerable<string> labels, string createdBy, DateTimeOffset createdAt)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentException.ThrowIfNullOrWhiteSpace(createdBy);
        var wanted = labels.Select(VaultLabels.Normalize).ToImmutableSortedSet(StringComparer.Ordinal);
        var existing = Find(name);
        var versions = existing?.Versions ?? [];
        var number = versions.IsEmpty ? 1 : versions.Max(v => v.Version) + 1;
        var stripped = versions.Select(v => v with { Labels = v.Labels.Except(wanted) });
        var added = new SecretVersion(number, createdAt, createdBy, wanted, value);
        var secretName = existing?.Name ?? name;
        return With(new VaultSecret(secretName, [.. stripped, added]));
    }

    /// <summary>Puts <paramref name="label"/> on <paramref name="version"/>, taking it off the version that had it.</summary>
    public VaultContents MoveLabel(string name, string label, int version)
    {
        var canonical = VaultLabels.Normalize(label);
        var secret = Require(name);
        RequireVersion(secret, version);
        var moved = secret.Versions.Select(v => v.Version == version
            ? v with { Labels = v.Labels.Add(canonical) }
            : v with { Labels = v.Labels.Remove(canonical) });
        return With(secret with { Versions = [.. moved] });
    }

    /// <summary>Takes <paramref name="label"/> off whichever version has it (nothing changes when none does).</summary>
    public VaultContents RemoveLabel(string name, string label)
    {
        var canonical = VaultLabels.Normalize(label);
        var secret = Require(name);
        return With(secret with { Versions = [.. secret.Versions.Select(v => v with { Labels = v.Labels.Remove(canonical) })] });
    }

    /// <summary>Removes one version, labels and all; removing the last version removes the secret.</summary>
    public VaultContents RemoveVersion(string name, int version)
    {
        var secret = Require(name);
        RequireVersion(secret, version);
        var rest = secret.Versions.RemoveAll(v => v.Version == version);
        return rest.IsEmpty ? new VaultContents(Secrets.Remove(secret.Name)) : With(secret with { Versions = rest });
    }

    /// <summary>Removes a secret with all its versions.</summary>
    public VaultContents RemoveSecret(string name) => new(Secrets.Remove(Require(name).Name));

    internal static VaultContents FromSecrets(IEnumerable<VaultSecret> secrets)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, VaultSecret>(StringComparer.OrdinalIgnoreCase);
        foreach (var secret in secrets)
        {
            builder.Add(secret.Name, secret);
        }

        return new VaultContents(builder.ToImmutable());
    }

    private VaultContents With(VaultSecret secret) => new(Secrets.SetItem(secret.Name, secret));

    private VaultSecret Require(string name) =>
        Find(name) ?? throw new KeyNotFoundException($"The vault has no secret named '{name}'.");

    private static void RequireVersion(VaultSecret secret, int version)
    {
        if (secret.GetVersion(version) is null)
        {
            throw new KeyNotFoundException($"The secret '{secret.Name}' has no version {version}; it has {string.Join(", ", secret.Versions.Select(v => v.Version))}.");
        }
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Trim() != name || name.Any(char.IsControl))
        {
            throw new ArgumentException($"A secret name cannot have leading or trailing spaces or control characters.", nameof(name));
        }
    }

    public override string ToString() => $"VaultContents({Secrets.Count} secrets)";
}
