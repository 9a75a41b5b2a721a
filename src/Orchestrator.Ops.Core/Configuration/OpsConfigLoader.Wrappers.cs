using System.Text.Json;

namespace Orchestrator.Ops.Core.Configuration;

public static partial class OpsConfigLoader
{
    // Reads the wrappers list.
    private sealed partial class Validator
    {
        private List<WrapperDefinition> ReadWrappers(JsonElement root)
        {
            var result = new List<WrapperDefinition>();
            if (!root.TryGetProperty("wrappers", out var array))
            {
                Problem("$.wrappers", "required: the list of wrappers (name, kind, healthPath)");
                return result;
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                Problem("$.wrappers", $"must be an array, not {Describe(array)}");
                return result;
            }

            if (array.GetArrayLength() == 0)
            {
                Problem("$.wrappers", "must name at least one wrapper");
            }

            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                var at = $"$.wrappers[{i++}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    Problem(at, $"must be an object, not {Describe(item)}");
                    continue;
                }

                Known(item, at, "name", "kind", "healthPath", "operationPath");
                var name = RequiredString(item, at, "name");
                if (name is not null && !NamePattern().IsMatch(name))
                {
                    Problem($"{at}.name", $"'{name}' is not a valid wrapper name (lower-case letters, digits and '-', starting with a letter or digit)");
                    name = null;
                }

                if (name is not null && _wrapperNames.Contains(name))
                {
                    Problem($"{at}.name", $"'{name}' is defined twice");
                    name = null;
                }

                if (name is not null)
                {
                    _wrapperNames.Add(name);
                }

                var kindText = RequiredString(item, at, "kind");
                WrapperKind? kind = kindText switch
                {
                    "routellm" => WrapperKind.RouteLlm,
                    "poml" => WrapperKind.Poml,
                    "external-tool" => WrapperKind.ExternalTool,
                    null => null,
                    _ => null,
                };
                if (kindText is not null && kind is null)
                {
                    Problem($"{at}.kind", $"'{kindText}' is not a wrapper kind; use routellm, poml or external-tool");
                }

                var healthPath = UrlPath(item, at, "healthPath", "/health");
                var operationPath = UrlPath(item, at, "operationPath", "/v1/operation");
                if (name is not null && kind is not null)
                {
                    result.Add(new WrapperDefinition(name, kind.Value, healthPath, operationPath));
                }
            }

            return result;
        }
    }
}
