namespace Orchestrator.Ops.Core.Secrets;

/// <summary>The labels a secret version can carry; each sits on one version of a secret at most.</summary>
public static class VaultLabels
{
    public const string Current = "Current";
    public const string Pending = "Pending";
    public const string Previous = "Previous";

    public static IReadOnlyList<string> All { get; } = [Current, Pending, Previous];

    /// <summary>The canonical spelling of <paramref name="label"/> (case-insensitive), or an error naming the allowed ones.</summary>
    public static string Normalize(string label)
    {
        foreach (var known in All)
        {
            if (string.Equals(known, label, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        throw new ArgumentException($"'{label}' is not a vault label; use {string.Join(", ", All)}.", nameof(label));
    }
}
