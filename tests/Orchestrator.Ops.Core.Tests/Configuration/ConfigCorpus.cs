using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Tests.Configuration;

/// <summary>
/// The configurations under ConfigCorpus/ and the two judges of them: module/orchestrator-ops.schema.json through a real
/// JSON Schema validator (JsonSchema.Net, formats asserted as editors do), and <see cref="OpsConfigLoader"/>.
/// A corpus file is JSON with comments, as the module reads it. A case that should be refused says so in its first line,
/// <c>// expect $.json.path: part of the loader's message</c>, and marks the line the loader must name with <c>// &lt;--</c>.
/// </summary>
internal static class ConfigCorpus
{
    public const string Good = "good";

    /// <summary>Both the schema and the loader refuse these.</summary>
    public const string Bad = "bad";

    /// <summary>Rules that relate values (unique names, one slot per wrapper, clashing targets): the schema accepts, the loader refuses.</summary>
    public const string BeyondSchema = "beyond-schema";

    private const string ExpectPrefix = "// expect ";
    private const string LineMarker = "// <--";

    public static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static string RepoRoot => Repository.Root;

    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(File.ReadAllText(SchemaPath)));

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.Hierarchical, RequireFormatValidation = true };

    public static string SchemaPath => Path.Combine(RepoRoot, "module", "orchestrator-ops.schema.json");

    public static string Folder => Path.Combine(RepoRoot, "tests", "Orchestrator.Ops.Core.Tests", "Configuration", "ConfigCorpus");

    /// <summary>The schema as a document, for reading its keywords.</summary>
    public static JsonObject SchemaDocument() => JsonNode.Parse(File.ReadAllText(SchemaPath))!.AsObject();

    /// <summary>The cases of one folder, as "folder/name.json".</summary>
    public static IReadOnlyList<string> Files(string folder) =>
        Directory.GetFiles(Path.Combine(Folder, folder), "*.json").Select(f => $"{folder}/{Path.GetFileName(f)}").Order(StringComparer.Ordinal).ToList();

    public static TheoryData<string> Names(string folder) => new(Files(folder));

    public static CorpusCase Read(string name)
    {
        var text = File.ReadAllText(Path.Combine(Folder, name));
        var lines = text.Split('\n');
        string? path = null, message = null;
        if (lines[0].StartsWith(ExpectPrefix, StringComparison.Ordinal))
        {
            var expectation = lines[0][ExpectPrefix.Length..].TrimEnd('\r');
            var colon = expectation.IndexOf(": ", StringComparison.Ordinal);
            Assert.True(colon > 0, $"{name}: the expectation must read '// expect $.path: message'");
            (path, message) = (expectation[..colon], expectation[(colon + 2)..]);
        }

        var marked = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(LineMarker, StringComparison.Ordinal)).Select(i => i + 1).ToList();
        Assert.True(marked.Count <= 1, $"{name}: more than one line is marked");
        return new CorpusCase(name, text, path, message, marked.Count == 1 ? marked[0] : null);
    }

    /// <summary>What the schema finds wrong with <paramref name="json"/>: the failed keywords along the failing branches, none when valid.</summary>
    public static IReadOnlyList<SchemaError> SchemaErrors(string json)
    {
        using var document = JsonDocument.Parse(json, Lenient);
        var results = Schema.Value.Evaluate(document.RootElement, Evaluation);
        var errors = new List<SchemaError>();
        if (!results.IsValid)
        {
            Collect(results, errors);
            if (errors.Count == 0)
            {
                errors.Add(new SchemaError(string.Empty, "(invalid)", "the schema refused it without naming a keyword"));
            }
        }

        return errors;

        // Only through invalid nodes: a failed 'if' or a branch of 'not' under a valid node is no error.
        static void Collect(EvaluationResults node, List<SchemaError> into)
        {
            foreach (var (keyword, message) in node.Errors ?? new Dictionary<string, string>())
            {
                into.Add(new SchemaError(node.InstanceLocation.ToString(), keyword, message));
            }

            foreach (var child in node.Details ?? [])
            {
                if (!child.IsValid)
                {
                    Collect(child, into);
                }
            }
        }
    }

    /// <summary>Writes <paramref name="json"/> as <paramref name="fileName"/> in <paramref name="folder"/> and returns what the loader finds wrong.</summary>
    public static (string Path, IReadOnlyList<ConfigurationProblem> Problems) LoaderProblems(TempFolder folder, string fileName, string json)
    {
        var path = folder.Write(fileName, json);
        return (path, OpsConfigLoader.Validate(path));
    }

    /// <summary>$.a.b[0] as the JSON Pointer /a/b/0.</summary>
    public static string Pointer(string jsonPath)
    {
        var pointer = new StringBuilder();
        for (var i = 1; i < jsonPath.Length;)
        {
            if (jsonPath[i] == '[')
            {
                var close = jsonPath.IndexOf(']', i);
                pointer.Append('/').Append(jsonPath, i + 1, close - i - 1);
                i = close + 1;
                continue;
            }

            var end = jsonPath.IndexOfAny(['.', '['], i + 1);
            end = end < 0 ? jsonPath.Length : end;
            pointer.Append('/').Append(jsonPath[(i + 1)..end].Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal));
            i = end;
        }

        return pointer.ToString();
    }

    /// <summary>True when one pointer is the other or lies inside it: both are about the same place.</summary>
    public static bool SameBranch(string a, string b) =>
        a == b || a.Length == 0 || b.Length == 0 || a.StartsWith(b + "/", StringComparison.Ordinal) || b.StartsWith(a + "/", StringComparison.Ordinal);
}

/// <summary>One corpus file; <see cref="ExpectedPath"/>, <see cref="ExpectedMessage"/> and <see cref="MarkedLine"/> are set for refused cases.</summary>
internal sealed record CorpusCase(string Name, string Text, string? ExpectedPath, string? ExpectedMessage, int? MarkedLine);

/// <summary>A keyword the instance failed, at a JSON Pointer into the instance.</summary>
internal sealed record SchemaError(string Location, string Keyword, string Message)
{
    public override string ToString() => $"{(Location.Length == 0 ? "/" : Location)} {Keyword}: {Message}";
}
