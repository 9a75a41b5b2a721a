using System.Collections.Immutable;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>One version of a secret: its number, when and by whom it was made, its labels and its (never printed) value.</summary>
public sealed record SecretVersion(int Version, DateTimeOffset CreatedAt, string CreatedBy, ImmutableSortedSet<string> Labels, SecretValue Value)
{
    public bool HasLabel(string label) => Labels.Contains(label);

    // A record's generated ToString would print Value's ToString, which is masked; writing it out keeps that explicit.
    public override string ToString() =>
        $"v{Version} [{string.Join(", ", Labels)}] created {CreatedAt:u} by {CreatedBy}";
}
