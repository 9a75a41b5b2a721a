using Orchestrator.Ops.Core.Secrets;
using Orchestrator.Ops.Core.Secrets.Targets;

namespace Orchestrator.Ops.Core.Tests.Secrets;

/// <summary>
/// A target in memory for the rotation collaborators' tests: it holds what was last applied, can refuse writes, and
/// can read back as a chosen value (or not at all, as a command).
/// </summary>
internal sealed class FakeSecretTarget(string display) : ISecretTarget
{
    public string Display { get; } = display;

    /// <summary>Writes fail with a <see cref="SecretTargetException"/> naming the target.</summary>
    public bool Refuses { get; set; }

    /// <summary>Reads back as null, as a command does.</summary>
    public bool Unreadable { get; set; }

    public SecretValue? Current { get; set; }

    public SecretValue? Previous { get; private set; }

    public int Writes { get; private set; }

    public Task ApplyAsync(SecretValue current, SecretValue? previous, CancellationToken cancellationToken)
    {
        if (Refuses)
        {
            throw new SecretTargetException(Display, $"{Display} is not writable");
        }

        (Current, Previous) = (current, previous);
        Writes++;
        return Task.CompletedTask;
    }

    public SecretValue? ReadCurrent() => Unreadable ? null : Current;

    public IReadOnlyList<string> Check() => [];
}
