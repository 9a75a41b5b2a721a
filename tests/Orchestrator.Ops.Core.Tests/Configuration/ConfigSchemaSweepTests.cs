using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Tests.Configuration;

/// <summary>
/// Sweeps driven by the schema itself: ConfigCorpus/good/all-sections.json holds every kind of object, and the schema is
/// walked along it. Every property's default, range, enum and type, and every closed object, is tried on the schema and the
/// loader, which must agree; each test lists all disagreements at once.
/// </summary>
public sealed class ConfigSchemaSweepTests : IDisposable
{
    private const string BaseCase = "good/all-sections.json";

    /// <summary>
    /// Values at a schema boundary that break a rule relating two values (only the loader checks those; the schema's
    /// description names them): the schema accepts, the loader refuses with this message.
    /// </summary>
    private static readonly Dictionary<string, string> RelatedValueRules = new(StringComparer.Ordinal)
    {
        ["$.thresholds.healthWarningPercent=0"] = "must be below healthWarningPercent",
        ["$.thresholds.healthCriticalPercent=100"] = "must be below healthWarningPercent",
        ["$.thresholds.maxP95Ms=3600000"] = "must not exceed maxP99Ms",
        ["$.thresholds.maxP99Ms=1"] = "must not exceed maxP99Ms",
        ["$.store.retention.secondsDays=3650"] = "cannot outlive a coarser one",
        ["$.store.retention.minutesDays=1"] = "cannot outlive a coarser one",
        ["$.store.retention.minutesDays=3650"] = "cannot outlive a coarser one",
        ["$.store.retention.hoursDays=1"] = "cannot outlive a coarser one",
        ["$.store.retention.probesDays=1"] = "cannot outlive a coarser one",
        ["$.store.retention.probesDays=3650"] = "cannot outlive a coarser one",
        ["$.store.retention.probeAttemptsDays=3650"] = "cannot outlive a coarser one",
    };

    private readonly TempFolder _dir = new();
    private readonly JsonObject _schema = ConfigCorpus.SchemaDocument();
    private readonly JsonNode _base = JsonNode.Parse(ConfigCorpus.Read(BaseCase).Text, documentOptions: ConfigCorpus.Lenient)!;
    private readonly List<Site> _sites = [];
    private readonly List<string> _closed = [];
    private int _written;

    public ConfigSchemaSweepTests()
    {
        Walk(_schema, "", _base, "$");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Every_schema_default_is_what_the_loader_gives_an_omitted_key()
    {
        var disagreements = new List<string>();
        var withDefault = _sites.Where(s => s.Spec["default"] is not null).ToList();
        foreach (var site in withDefault)
        {
            var omitted = Variant(site, o => o.Remove(site.Key));
            var given = Variant(site, o => o[site.Key] = site.Spec["default"]!.DeepClone());
            var (a, b) = (Judge(omitted), Judge(given));
            if (!a.Accepted || !b.Accepted)
            {
                disagreements.Add($"{site}: omitted → {a}, given the default {site.Spec["default"]!.ToJsonString()} → {b}");
                continue;
            }

            var (loadedA, loadedB) = (Loaded(a.Path), Loaded(b.Path));
            if (loadedA != loadedB)
            {
                var at = Enumerable.Range(0, Math.Min(loadedA.Length, loadedB.Length)).FirstOrDefault(i => loadedA[i] != loadedB[i]);
                string Around(string text) => text.Substring(Math.Max(at - 80, 0), Math.Min(160, text.Length - Math.Max(at - 80, 0)));
                disagreements.Add($"{site}: the loader's value for the omitted key is not the schema's default {site.Spec["default"]!.ToJsonString()}\n  omitted: …{Around(loadedA)}…\n  given:   …{Around(loadedB)}…");
            }
        }

        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));

        // Every "default" the schema writes was reached: the base file holds an object for each.
        var declared = DefaultLocations(_schema, "").Order(StringComparer.Ordinal).ToList();
        var reached = withDefault.Select(s => s.SchemaPointer).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(declared, reached);
        Assert.True(declared.Count >= 60, $"{declared.Count} defaults");
    }

    [Fact]
    public void A_value_out_of_the_schemas_range_is_refused_by_both_and_the_loader_names_the_same_range()
    {
        var disagreements = new List<string>();
        var ranged = _sites.Where(s => s.Spec["minimum"] is not null || s.Spec["maximum"] is not null).ToList();
        foreach (var site in ranged)
        {
            var integer = site.Type == "integer";
            var min = site.Spec["minimum"]!.GetValue<double>();
            var max = site.Spec["maximum"]!.GetValue<double>();
            var step = integer ? 1 : Math.Max((max - min) * 1e-6, 1e-9);
            foreach (var outside in new[] { min - step, max + step })
            {
                var v = Judge(Variant(site, o => o[site.Key] = outside));
                var range = $"is out of range; allowed {min} to {max}";
                if (!v.SchemaRefused || !v.Says(site.JsonPath, range))
                {
                    disagreements.Add($"{site} = {outside.ToString(CultureInfo.InvariantCulture)}: expected both to refuse and the loader to say '{range}'; {v}");
                }
            }

            foreach (var edge in new[] { min, max })
            {
                var v = Judge(Variant(site, o => o[site.Key] = edge));
                if (RelatedValueRules.TryGetValue($"{site.JsonPath}={edge.ToString(CultureInfo.InvariantCulture)}", out var rule))
                {
                    if (v.SchemaRefused || !v.Problems.Any(p => p.Message.Contains(rule, StringComparison.Ordinal)))
                    {
                        disagreements.Add($"{site} = {edge.ToString(CultureInfo.InvariantCulture)}: expected the schema to accept and the loader to say '{rule}'; {v}");
                    }
                }
                else if (!v.Agree)
                {
                    disagreements.Add($"{site} = {edge.ToString(CultureInfo.InvariantCulture)} (the schema's boundary): {v}");
                }
            }
        }

        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
        Assert.True(ranged.Count >= 40, $"{ranged.Count} ranged properties");
    }

    [Fact]
    public void Every_enum_member_is_judged_alike_and_anything_else_is_refused_by_both()
    {
        var disagreements = new List<string>();
        var enums = _sites.Where(s => s.Spec["enum"] is JsonArray).ToList();
        foreach (var site in enums)
        {
            foreach (var member in site.Spec["enum"]!.AsArray())
            {
                var v = Judge(Variant(site, o => o[site.Key] = member!.DeepClone()));
                if (!v.Agree)
                {
                    disagreements.Add($"{site} = {member!.ToJsonString()}: {v}");
                }
            }

            var other = Judge(Variant(site, o => o[site.Key] = "not-a-member"));
            if (!other.SchemaRefused || !other.Says(site.JsonPath))
            {
                disagreements.Add($"{site} = \"not-a-member\": expected both to refuse; {other}");
            }
        }

        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
        Assert.True(enums.Count >= 12, $"{enums.Count} enums");
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_refused_by_both()
    {
        var disagreements = new List<string>();
        var typed = _sites.Where(s => s.Type is not null || s.Spec["enum"] is not null).ToList();
        foreach (var site in typed)
        {
            JsonNode wrong = site.Type switch
            {
                "number" or "integer" => "12",
                "boolean" => "true",
                "array" or "object" => "x",
                _ => 12345,
            };
            var values = site.Type == "integer" ? new JsonNode[] { wrong, 1.5 } : new JsonNode[] { wrong };
            foreach (var value in values)
            {
                var v = Judge(Variant(site, o => o[site.Key] = value.DeepClone()));
                if (!v.SchemaRefused || !v.Says(site.JsonPath))
                {
                    disagreements.Add($"{site} = {value.ToJsonString()}: expected both to refuse; {v}");
                }
            }
        }

        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
        Assert.True(typed.Count >= 100, $"{typed.Count} typed properties");
    }

    [Fact]
    public void An_unknown_property_is_refused_by_both_wherever_the_schema_closes_an_object()
    {
        var disagreements = new List<string>();
        foreach (var at in _closed)
        {
            var v = Judge(Edit(at, o => o["zzUnknown"] = true));
            if (!v.SchemaRefused || !v.Says($"{at}.zzUnknown", "unknown property 'zzUnknown'"))
            {
                disagreements.Add($"{at}.zzUnknown: expected both to refuse; {v}");
            }
        }

        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));

        // Every object of the file is closed in the schema, as the loader closes every object it reads (slots name wrappers).
        Assert.Equal(ObjectsIn(_base, "$").Where(p => !p.StartsWith("$.slots", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
            _closed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_alert_enums_are_the_loaders_names()
    {
        var rule = _schema["properties"]!["alerts"]!["properties"]!["rules"]!["items"]!["properties"]!;

        Assert.Equal(Enum.GetNames<Core.Alerts.AlertSeverity>().Select(n => n.ToLowerInvariant()), rule["severity"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(Enum.GetNames<Core.Alerts.AlertMetric>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]), rule["metric"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    /// <summary>
    /// Walks the schema along the instance: each property the schema declares on an object the instance has becomes a site,
    /// each object the schema closes is noted. $ref is followed; of oneOf, the branches whose consts the instance matches.
    /// </summary>
    private void Walk(JsonObject spec, string pointer, JsonNode? instance, string jsonPath)
    {
        (spec, pointer) = Resolve(spec, pointer);
        if (instance is JsonObject obj)
        {
            if (spec["additionalProperties"] is JsonValue closed && !closed.GetValue<bool>() && !_closed.Contains(jsonPath))
            {
                _closed.Add(jsonPath);
            }

            if (spec["properties"] is JsonObject properties)
            {
                foreach (var (key, property) in properties)
                {
                    var (resolved, _) = Resolve(property!.AsObject(), $"{pointer}/properties/{Escape(key)}");
                    if (!_sites.Any(s => s.ParentPath == jsonPath && s.Key == key))
                    {
                        _sites.Add(new Site(jsonPath, key, resolved, $"{pointer}/properties/{Escape(key)}"));
                    }

                    if (obj[key] is { } child)
                    {
                        Walk(property.AsObject(), $"{pointer}/properties/{Escape(key)}", child, $"{jsonPath}.{key}");
                    }
                }
            }

            if (spec["additionalProperties"] is JsonObject values)
            {
                foreach (var (key, child) in obj.Where(p => spec["properties"]?[p.Key] is null))
                {
                    Walk(values, $"{pointer}/additionalProperties", child, $"{jsonPath}.{key}");
                }
            }

            if (spec["oneOf"] is JsonArray branches)
            {
                for (var i = 0; i < branches.Count; i++)
                {
                    var branch = branches[i]!.AsObject();
                    var consts = branch["properties"]?.AsObject().Where(p => p.Value?["const"] is not null) ?? [];
                    if (consts.All(p => JsonNode.DeepEquals(p.Value!["const"], obj[p.Key])))
                    {
                        Walk(branch, $"{pointer}/oneOf/{i}", instance, jsonPath);
                    }
                }
            }
        }
        else if (instance is JsonArray array && spec["items"] is JsonObject items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Walk(items, $"{pointer}/items", array[i], $"{jsonPath}[{i}]");
            }
        }
    }

    /// <summary>Follows a local $ref; keywords beside it (description, default) stay and win.</summary>
    private (JsonObject Spec, string Pointer) Resolve(JsonObject spec, string pointer)
    {
        if (spec["$ref"] is not JsonValue reference)
        {
            return (spec, pointer);
        }

        var target = reference.GetValue<string>();
        Assert.StartsWith("#/", target);
        JsonNode node = _schema;
        foreach (var part in target[2..].Split('/'))
        {
            node = node[part]!;
        }

        var (resolved, at) = Resolve(node.AsObject(), target[1..]);
        var merged = resolved.DeepClone().AsObject();
        foreach (var (key, value) in spec.Where(p => p.Key != "$ref"))
        {
            merged[key] = value?.DeepClone();
        }

        return (merged, spec.Count > 1 ? pointer : at);
    }

    /// <summary>Where the schema writes "default": the pointer of each object holding one.</summary>
    private static IEnumerable<string> DefaultLocations(JsonNode? node, string pointer)
    {
        if (node is JsonObject obj)
        {
            if (obj["default"] is not null)
            {
                yield return pointer;
            }

            foreach (var (key, child) in obj.Where(p => p.Key is not ("default" or "enum" or "const")))
            {
                foreach (var found in DefaultLocations(child, $"{pointer}/{Escape(key)}"))
                {
                    yield return found;
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                foreach (var found in DefaultLocations(array[i], $"{pointer}/{i}"))
                {
                    yield return found;
                }
            }
        }
    }

    private static IEnumerable<string> ObjectsIn(JsonNode? node, string jsonPath)
    {
        if (node is JsonObject obj)
        {
            yield return jsonPath;
            foreach (var (key, child) in obj)
            {
                foreach (var inner in ObjectsIn(child, $"{jsonPath}.{key}"))
                {
                    yield return inner;
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                foreach (var inner in ObjectsIn(array[i], $"{jsonPath}[{i}]"))
                {
                    yield return inner;
                }
            }
        }
    }

    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private string Variant(Site site, Action<JsonObject> change) => Edit(site.ParentPath, change);

    /// <summary>The base file with one object changed, as text.</summary>
    private string Edit(string objectPath, Action<JsonObject> change)
    {
        var copy = _base.DeepClone();
        JsonNode node = copy;
        foreach (var part in ConfigCorpus.Pointer(objectPath).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node is JsonArray array ? array[int.Parse(part, CultureInfo.InvariantCulture)]! : node[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]!;
        }

        change(node.AsObject());
        return copy.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private Verdict Judge(string json)
    {
        var errors = ConfigCorpus.SchemaErrors(json);
        var (path, problems) = ConfigCorpus.LoaderProblems(_dir, $"variant-{_written++}.json", json);
        return new Verdict(path, errors, problems);
    }

    /// <summary>The loaded configuration as JSON, apart from the file it came from, so two loads compare whole.</summary>
    private static string Loaded(string path) =>
        JsonSerializer.Serialize(OpsConfigLoader.Load(path) with { SourcePath = string.Empty });

    /// <summary>A property the schema declares on an object of the base file.</summary>
    private sealed record Site(string ParentPath, string Key, JsonObject Spec, string SchemaPointer)
    {
        public string JsonPath => $"{ParentPath}.{Key}";

        public string? Type => Spec["type"]?.GetValue<string>();

        public override string ToString() => JsonPath;
    }

    private sealed record Verdict(string Path, IReadOnlyList<SchemaError> SchemaErrors, IReadOnlyList<ConfigurationProblem> Problems)
    {
        public bool SchemaRefused => SchemaErrors.Count > 0;

        public bool Accepted => !SchemaRefused && Problems.Count == 0;

        public bool Agree => SchemaRefused == (Problems.Count > 0);

        /// <summary>The loader refuses with a problem at or inside <paramref name="jsonPath"/> (saying <paramref name="text"/>).</summary>
        public bool Says(string jsonPath, string? text = null) => Problems.Any(p =>
            (p.JsonPath == jsonPath || p.JsonPath.StartsWith(jsonPath + ".", StringComparison.Ordinal) || p.JsonPath.StartsWith(jsonPath + "[", StringComparison.Ordinal))
            && (text is null || p.Message.Contains(text, StringComparison.Ordinal)));

        public override string ToString() =>
            $"schema: {(SchemaRefused ? string.Join("; ", SchemaErrors.Take(3)) : "accepts")}, loader: {(Problems.Count > 0 ? string.Join("; ", Problems.Select(p => $"{p.JsonPath}: {p.Message}").Take(3)) : "accepts")}";
    }
}
