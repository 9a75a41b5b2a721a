using System.Text.Json;

namespace Orchestrator.Ops.Core.Configuration;

public static partial class OpsConfigLoader
{
    // Reads the slots and their wrapper URLs.
    private sealed partial class Validator
    {
        private List<SlotDefinition> ReadSlots(JsonElement root)
        {
            var result = new List<SlotDefinition>();
            if (!root.TryGetProperty("slots", out var slots))
            {
                Problem("$.slots", "required: each slot (blue, green) with the base URL of every wrapper in it");
                return result;
            }

            if (slots.ValueKind != JsonValueKind.Object)
            {
                Problem("$.slots", $"must be an object of slot name → wrapper URLs, not {Describe(slots)}");
                return result;
            }

            foreach (var slot in slots.EnumerateObject())
            {
                var at = $"$.slots.{slot.Name}";
                if (!NamePattern().IsMatch(slot.Name))
                {
                    Problem(at, $"'{slot.Name}' is not a valid slot name (lower-case letters, digits and '-')");
                    continue;
                }

                if (slot.Value.ValueKind != JsonValueKind.Object)
                {
                    Problem(at, $"must be an object of wrapper name → base URL, not {Describe(slot.Value)}");
                    continue;
                }

                var urls = new Dictionary<string, Uri>(StringComparer.OrdinalIgnoreCase);
                foreach (var entry in slot.Value.EnumerateObject())
                {
                    var entryAt = $"{at}.{entry.Name}";
                    if (!_wrapperNames.Contains(entry.Name))
                    {
                        Problem(entryAt, $"'{entry.Name}' is not one of the wrappers ({string.Join(", ", _wrapperNames)})");
                        continue;
                    }

                    if (entry.Value.ValueKind != JsonValueKind.String)
                    {
                        Problem(entryAt, $"must be a URL string, not {Describe(entry.Value)}");
                        continue;
                    }

                    var text = entry.Value.GetString()!;
                    if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                    {
                        Problem(entryAt, $"'{text}' is not an absolute http or https URL");
                        continue;
                    }

                    urls[entry.Name] = uri;
                }

                foreach (var missing in _wrapperNames.Where(w => !slot.Value.TryGetProperty(w, out _)))
                {
                    Problem(at, $"has no URL for wrapper '{missing}'; every slot must name every wrapper");
                }

                result.Add(new SlotDefinition(slot.Name, urls));
            }

            if (result.Count == 0 && Problems.All(p => !p.JsonPath.StartsWith("$.slots", StringComparison.Ordinal)))
            {
                Problem("$.slots", "must name at least one slot");
            }

            return result;
        }
    }
}
