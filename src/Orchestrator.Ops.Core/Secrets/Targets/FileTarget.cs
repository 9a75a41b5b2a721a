using System.Security.Cryptography;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Secrets.Targets;

/// <summary>
/// A file holding the value alone (its exact bytes, no newline added), and optionally a second file holding the previous
/// value during the grace period. The service's API key file is one.
/// </summary>
public sealed class FileTarget : ISecretTarget
{
    private readonly bool _strict;
    private readonly Action<string>? _warn;

    /// <param name="path">The file holding the value; created, with its folder, when missing.</param>
    /// <param name="previousPath">The file holding the previous value, or null to keep none.</param>
    /// <param name="strict">A file its group or others can read is an error rather than a warning.</param>
    /// <param name="warn">Receives the warnings.</param>
    public FileTarget(string path, string? previousPath = null, bool strict = false, Action<string>? warn = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        PreviousPath = previousPath is null ? null : System.IO.Path.GetFullPath(previousPath);
        if (PreviousPath is not null && string.Equals(Path, PreviousPath, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            throw new ArgumentException("The previous value needs a file of its own.", nameof(previousPath));
        }

        _strict = strict;
        _warn = warn;
        Display = new SecretTargetDefinition { Kind = SecretTargetKind.File, Path = Path }.Display;
    }

    public string Path { get; }

    public string? PreviousPath { get; }

    public string Display { get; }

    public Task ApplyAsync(SecretValue current, SecretValue? previous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        cancellationToken.ThrowIfCancellationRequested();
        TargetFiles.CheckMode(Path, Display, _strict, _warn);
        if (PreviousPath is not null && previous is not null)
        {
            // Only a previous-value file about to be written: one about to be removed may keep its mode.
            TargetFiles.CheckMode(PreviousPath, Display, _strict, _warn);
        }

        if (PreviousPath is not null && previous is not null)
        {
            // The previous value first: while the two files are written a reader finds the old value in one of them, so
            // a client still sending it is never refused in between.
            WriteFile(PreviousPath, previous, "the previous-value file");
        }

        WriteFile(Path, current, null);
        if (PreviousPath is not null && previous is null)
        {
            TargetFiles.Delete(PreviousPath, Display, "the new value was written, but the previous-value file");
        }

        return Task.CompletedTask;
    }

    public SecretValue? ReadCurrent()
    {
        var bytes = TargetFiles.Read(Path, Display);
        if (bytes is null)
        {
            return null;
        }

        var length = bytes.Length;
        if (length > 0 && bytes[length - 1] == '\n')
        {
            length--;
            if (length > 0 && bytes[length - 1] == '\r')
            {
                length--;
            }
        }

        var value = SecretValue.FromBytes(bytes.AsSpan(0, length));
        CryptographicOperations.ZeroMemory(bytes);
        return value;
    }

    public IReadOnlyList<string> Check()
    {
        var problems = new List<string>();
        TargetFiles.Check(Path, mustRead: false, problems);
        if (PreviousPath is not null)
        {
            TargetFiles.Check(PreviousPath, mustRead: false, problems);
        }

        return problems;
    }

    private void WriteFile(string path, SecretValue value, string? what)
    {
        // Read only to leave a file that already holds the value untouched; one that cannot be read is simply replaced.
        byte[]? existing;
        try
        {
            existing = TargetFiles.Read(path, Display);
        }
        catch (SecretTargetException)
        {
            existing = null;
        }

        var bytes = value.RevealBytes();
        try
        {
            TargetFiles.Write(path, existing, bytes, Display);
        }
        catch (SecretTargetException e) when (what is not null)
        {
            throw new SecretTargetException(Display, $"{Display}: {what} '{path}' could not be written: {TargetFiles.Reason(e.InnerException ?? e)}. Nothing was changed.", e.InnerException);
        }
    }

    public override string ToString() => Display;
}
