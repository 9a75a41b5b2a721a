using System.Collections.Immutable;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>A named secret and its versions, oldest first.</summary>
public sealed record VaultSecret(string Name, ImmutableArray<SecretVersion> Versions)
{
    /// <summary>The version carrying <see cref="VaultLabels.Current"/>, or null.</summary>
    public SecretVersion? Current => WithLabel(VaultLabels.Current);

    public SecretVersion? WithLabel(string label)
    {
        var canonical = VaultLabels.Normalize(label);
        return Versions.FirstOrDefault(v => v.HasLabel(canonical));
    }

    public SecretVersion? GetVersion(int version) => Versions.FirstOrDefault(v => v.Version == version);

    public override string ToString() => $"{Name} ({Versions.Length} versions)";
}
