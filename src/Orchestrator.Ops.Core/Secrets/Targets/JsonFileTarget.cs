using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Secrets.Targets;

/// <summary>
/// A string property of a JSON file addressed by a dotted path (<c>auth.token</c>), and optionally the previous value at a
/// second path during the grace period. Every other property keeps its value and its place; the file is written indented.
/// A file that is not valid JSON is never written.
/// </summary>
public sealed class JsonFileTarget : ISecretTarget
{
    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,

        // Configuration files are read by people too: keep '+', non-ASCII letters and the like as they are.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly string[] _property;
    private readonly string[]? _previousProperty;
    private readonly bool _strict;
    private readonly Action<string>? _warn;

    /// <param name="path">The JSON file; created, with its folder, when missing.</param>
    /// <param name="property">The dotted path of the value; missing objects on the way are created.</param>
    /// <param name="previousProperty">The dotted path of the previous value, or null to keep none.</param>
    /// <param name="strict">A file its group or others can read is an error rather than a warning.</param>
    /// <param name="warn">Receives the warnings.</param>
    public JsonFileTarget(string path, string property, string? previousProperty = null, bool strict = false, Action<string>? warn = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _property = Split(property, nameof(property));
        _previousProperty = previousProperty is null ? null : Split(previousProperty, nameof(previousProperty));
        if (previousProperty is not null && Overlap(property, previousProperty))
        {
            throw new ArgumentException($"The previous value needs a property of its own, not '{previousProperty}' beside '{property}'.", nameof(previousProperty));
        }

        Path = System.IO.Path.GetFullPath(path);
        Property = property;
        PreviousProperty = previousProperty;
        _strict = strict;
        _warn = warn;
        Display = new SecretTargetDefinition { Kind = SecretTargetKind.JsonFile, Path = Path, Property = property }.Display;
    }

    public string Path { get; }

    public string Property { get; }

    public string? PreviousProperty { get; }

    public string Display { get; }

    /// <summary>True when the two dotted paths are the same or one lies inside the other.</summary>
    internal static bool Overlap(string a, string b) =>
        a == b || a.StartsWith(b + ".", StringComparison.Ordinal) || b.StartsWith(a + ".", StringComparison.Ordinal);

    public Task ApplyAsync(SecretValue current, SecretValue? previous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        cancellationToken.ThrowIfCancellationRequested();
        var currentText = TargetFiles.Text(current, Display, "current");
        var previousText = previous is null ? null : TargetFiles.Text(previous, Display, "previous");

        TargetFiles.CheckMode(Path, Display, _strict, _warn);
        var existing = TargetFiles.Read(Path, Display);
        var root = Parse(existing) ?? new JsonObject();
        Parent(root, _property, create: true)![_property[^1]] = JsonValue.Create(currentText);
        if (_previousProperty is not null)
        {
            if (previousText is not null)
            {
                Parent(root, _previousProperty, create: true)![_previousProperty[^1]] = JsonValue.Create(previousText);
            }
            else
            {
                Parent(root, _previousProperty, create: false)?.Remove(_previousProperty[^1]);
            }
        }

        var bytes = TargetFiles.StrictUtf8.GetBytes(root.ToJsonString(WriteOptions) + "\n");
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
            var root = Parse(existing);
            var parent = root is null ? null : Parent(root, _property, create: false);
            return parent?[_property[^1]] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? SecretValue.FromString(v.GetValue<string>()) : null;
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
        if (File.Exists(Path) && OwnerOnly.CanRead(Path))
        {
            try
            {
                var existing = TargetFiles.Read(Path, Display);
                if (existing is not null)
                {
                    var root = Parse(existing);
                    CryptographicOperations.ZeroMemory(existing);
                    if (root is not null)
                    {
                        Parent(root, _property, create: false);
                        if (_previousProperty is not null)
                        {
                            Parent(root, _previousProperty, create: false);
                        }
                    }
                }
            }
            catch (SecretTargetException e)
            {
                problems.Add(e.Message);
            }
        }

        return problems;
    }

    /// <summary>The file's top-level object; null for a missing or empty file.</summary>
    private JsonObject? Parse(byte[]? bytes)
    {
        ReadOnlySpan<byte> span = bytes;
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            span = span[3..];
        }

        if (span.Trim((ReadOnlySpan<byte>)[(byte)' ', (byte)'\t', (byte)'\r', (byte)'\n']).IsEmpty)
        {
            return null;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(span);

            // Materialise every object now, so a property named twice is found before anything is changed.
            Visit(node);
        }
        catch (JsonException e)
        {
            // The reader's own message can quote a character of the file, so only its position is given.
            var where = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1} of that line" : string.Empty;
            throw new SecretTargetException(Display, $"{Display}: '{Path}' is not valid JSON{where} (comments and trailing commas are not accepted either). It was left as it is; fix it and apply again.", e);
        }
        catch (ArgumentException e)
        {
            throw new SecretTargetException(Display, $"{Display}: '{Path}' names a property twice in one object. It was left as it is; fix it and apply again.", e);
        }

        if (node is not JsonObject root)
        {
            throw new SecretTargetException(Display, $"{Display}: '{Path}' holds {Describe(node)} at the top, not an object. It was left as it is.");
        }

        return root;
    }

    private static void Visit(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, child) in o)
                {
                    Visit(child);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Visit(child);
                }

                break;
        }
    }

    /// <summary>
    /// The object that holds the last segment of <paramref name="segments"/>: objects on the way are created when
    /// <paramref name="create"/> (a JSON null is replaced by one), else a missing one gives null. A segment that holds
    /// anything but an object is an error.
    /// </summary>
    private JsonObject? Parent(JsonObject root, string[] segments, bool create)
    {
        var current = root;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            var name = segments[i];
            var exists = current.TryGetPropertyValue(name, out var child);
            if (child is JsonObject o)
            {
                current = o;
                continue;
            }

            if (exists && child is not null)
            {
                var at = string.Join('.', segments[..(i + 1)]);
                throw new SecretTargetException(Display, $"{Display}: in '{Path}', '{at}' holds {Describe(child)}, not an object, so '{string.Join('.', segments)}' cannot be set. It was left as it is.");
            }

            if (!create)
            {
                return null;
            }

            var made = new JsonObject();
            current[name] = made;
            current = made;
        }

        return current;
    }

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "a value",
    };

    private static string[] Split(string dotted, string parameter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dotted, parameter);
        var segments = dotted.Split('.');
        if (segments.Any(s => s.Length == 0))
        {
            throw new ArgumentException($"'{dotted}' is not a dotted property path (auth.token): a segment is empty.", parameter);
        }

        return segments;
    }

    public override string ToString() => Display;
}
