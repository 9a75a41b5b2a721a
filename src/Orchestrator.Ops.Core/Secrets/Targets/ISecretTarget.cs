namespace Orchestrator.Ops.Core.Secrets.Targets;

/// <summary>
/// One place a secret's value is written. Every operation is idempotent (writing the same values again changes nothing
/// a consumer sees) and atomic per file (temporary file, flushed, renamed; mode 0600). Nothing it throws or returns holds a value.
/// </summary>
public interface ISecretTarget
{
    /// <summary>A description for output and errors, e.g. "env file /srv/blue.env (ROUTELLM_TOKEN)".</summary>
    string Display { get; }

    /// <summary>
    /// Makes the target hold <paramref name="current"/> and, when <paramref name="previous"/> is not null, the previous value
    /// beside it (env file: KEY_PREVIOUS; JSON: the previous property; file: the previous file); a null previous removes it.
    /// Everything else in the file is kept as it was.
    /// </summary>
    /// <exception cref="SecretTargetException">The target could not be written; the message says why and names the target.</exception>
    Task ApplyAsync(SecretValue current, SecretValue? previous, CancellationToken cancellationToken);

    /// <summary>
    /// What the target holds now, when it can be read back (files); null for a command or a file that does not exist yet.
    /// </summary>
    SecretValue? ReadCurrent();

    /// <summary>Problems found without writing (a folder that does not exist, a file that is not writable, loose permissions); empty when it looks writable.</summary>
    IReadOnlyList<string> Check();
}
