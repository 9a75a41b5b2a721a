using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Secrets.Targets;

/// <summary>
/// A variable of an environment file as systemd's EnvironmentFile= reads it: <c>VARIABLE=value</c>, and during the grace
/// period <c>PREVIOUS_VARIABLE=previous</c>. Every other line, comment and blank keeps its bytes and its place.
/// </summary>
public sealed partial class EnvFileTarget : ISecretTarget
{
    private readonly bool _strict;
    private readonly Action<string>? _warn;

    /// <param name="path">The environment file; created, with its folder, when missing.</param>
    /// <param name="variable">The variable holding the value.</param>
    /// <param name="previousVariable">The variable holding the previous value; default <c>&lt;variable&gt;_PREVIOUS</c>.</param>
    /// <param name="strict">A file its group or others can read is an error rather than a warning.</param>
    /// <param name="warn">Receives the warnings.</param>
    public EnvFileTarget(string path, string variable, string? previousVariable = null, bool strict = false, Action<string>? warn = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        previousVariable ??= variable + "_PREVIOUS";
        if (!VariablePattern().IsMatch(variable) || !VariablePattern().IsMatch(previousVariable))
        {
            throw new ArgumentException($"'{variable}' and '{previousVariable}' must both be variable names (letters, digits and '_', not starting with a digit).");
        }

        if (variable == previousVariable)
        {
            throw new ArgumentException($"The previous value needs its own variable, not '{variable}' again.", nameof(previousVariable));
        }

        Path = System.IO.Path.GetFullPath(path);
        Variable = variable;
        PreviousVariable = previousVariable;
        _strict = strict;
        _warn = warn;
        Display = new SecretTargetDefinition { Kind = SecretTargetKind.EnvFile, Path = Path, Variable = variable }.Display;
    }

    public string Path { get; }

    public string Variable { get; }

    public string PreviousVariable { get; }

    public string Display { get; }

    /// <summary>Environment variable names as systemd accepts them.</summary>
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    internal static partial Regex VariablePattern();

    public Task ApplyAsync(SecretValue current, SecretValue? previous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        cancellationToken.ThrowIfCancellationRequested();
        var currentText = TargetFiles.Text(current, Display, "current");
        var previousText = previous is null ? null : TargetFiles.Text(previous, Display, "previous");

        TargetFiles.CheckMode(Path, Display, _strict, _warn);
        var existing = TargetFiles.Read(Path, Display);
        var document = EnvFileDocument.Parse(Decode(existing));
        document.Set(Variable, currentText);
        if (previousText is null)
        {
            document.Remove(PreviousVariable);
        }
        else
        {
            document.Set(PreviousVariable, previousText, after: Variable);
        }

        // The edit is read back before it is written: a file whose syntax swallowed the new line (an unclosed quote, a
        // comment continued by a backslash on the last line) is refused rather than written wrong.
        var check = EnvFileDocument.Parse(document.Text);
        if (check.Get(Variable) != currentText || check.Get(PreviousVariable) != previousText)
        {
            throw new SecretTargetException(Display, $"{Display} could not be edited safely: the syntax around {Variable} or {PreviousVariable} (an unclosed quote, or a backslash at the end of the file) would change their meaning. Fix the file; it still holds its previous contents.");
        }

        var bytes = TargetFiles.StrictUtf8.GetBytes(document.Text);
        TargetFiles.Write(Path, existing, bytes, Display); // zeroes both buffers

        return Task.CompletedTask;
    }

    public SecretValue? ReadCurrent()
    {
        var existing = TargetFiles.Read(Path, Display);
        if (existing is null)
        {
            return null;
        }

        try
        {
            return EnvFileDocument.Parse(Decode(existing)).Get(Variable) is { } value ? SecretValue.FromString(value) : null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(existing);
        }
    }

    public IReadOnlyList<string> Check()
    {
        var problems = new List<string>();
        TargetFiles.Check(Path, mustRead: true, problems);
        return problems;
    }

    private string Decode(byte[]? bytes)
    {
        if (bytes is null)
        {
            return string.Empty;
        }

        try
        {
            return TargetFiles.StrictUtf8.GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new SecretTargetException(Display, $"{Display} is not UTF-8 text, as systemd requires of an environment file; it was left as it is.", e);
        }
    }

    public override string ToString() => Display;
}
