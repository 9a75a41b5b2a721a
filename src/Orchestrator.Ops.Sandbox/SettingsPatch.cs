using System.Text.Json;

namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// A partial settings update parsed from JSON: only the fields present in the body change.
/// </summary>
internal sealed class SettingsPatch
{
    private readonly List<Func<InstanceSettings, InstanceSettings>> _changes = [];

    private SettingsPatch()
    {
    }

    /// <summary>Applies the present fields to <paramref name="settings"/>.</summary>
    public InstanceSettings Apply(InstanceSettings settings)
    {
        foreach (var change in _changes)
        {
            settings = change(settings);
        }

        return settings;
    }

    /// <summary>
    /// Parses a JSON object of camelCase settings. On failure returns false with the offending field
    /// (null for malformed JSON) and a message.
    /// </summary>
    public static bool TryParse(ReadOnlyMemory<byte> json, out SettingsPatch patch, out string? field, out string error)
    {
        patch = new SettingsPatch();
        field = null;
        error = string.Empty;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            error = $"malformed JSON: {ex.Message}";
            return false;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "body must be a JSON object of settings";
                return false;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value;
                var name = property.Name;
                switch (name.ToLowerInvariant())
                {
                    case "version":
                        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                        {
                            return Fail("version", "version must be a non-empty string", out field, out error);
                        }

                        var version = value.GetString()!;
                        patch._changes.Add(s => s with { Version = version });
                        break;
                    case "latencyms":
                        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var latency) || latency < 0)
                        {
                            return Fail("latencyMs", $"latencyMs must be an integer >= 0 (got {value.GetRawText()})", out field, out error);
                        }

                        patch._changes.Add(s => s with { LatencyMs = latency });
                        break;
                    case "latencyjitterms":
                        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var jitter) || jitter < 0)
                        {
                            return Fail("latencyJitterMs", $"latencyJitterMs must be an integer >= 0 (got {value.GetRawText()})", out field, out error);
                        }

                        patch._changes.Add(s => s with { LatencyJitterMs = jitter });
                        break;
                    case "errorrate":
                        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var errorRate) || errorRate is < 0 or > 1)
                        {
                            return Fail("errorRate", $"errorRate must be a number between 0 and 1 (got {value.GetRawText()})", out field, out error);
                        }

                        patch._changes.Add(s => s with { ErrorRate = errorRate });
                        break;
                    case "fallbackrate":
                        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var fallbackRate) || fallbackRate is < 0 or > 1)
                        {
                            return Fail("fallbackRate", $"fallbackRate must be a number between 0 and 1 (got {value.GetRawText()})", out field, out error);
                        }

                        patch._changes.Add(s => s with { FallbackRate = fallbackRate });
                        break;
                    case "hang":
                        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                        {
                            return Fail("hang", $"hang must be true or false (got {value.GetRawText()})", out field, out error);
                        }

                        var hang = value.GetBoolean();
                        patch._changes.Add(s => s with { Hang = hang });
                        break;
                    case "down":
                        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                        {
                            return Fail("down", $"down must be true or false (got {value.GetRawText()})", out field, out error);
                        }

                        var down = value.GetBoolean();
                        patch._changes.Add(s => s with { Down = down });
                        break;
                    default:
                        return Fail(name, $"unknown setting '{name}'", out field, out error);
                }
            }
        }

        return true;
    }

    private static bool Fail(string name, string message, out string? field, out string error)
    {
        field = name;
        error = message;
        return false;
    }
}
