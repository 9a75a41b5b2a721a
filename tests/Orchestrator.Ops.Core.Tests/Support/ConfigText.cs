namespace Orchestrator.Ops.Core.Tests.Support;

/// <summary>Configuration documents for tests.</summary>
public static class ConfigText
{
    public static string Fleet(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> slots, string extra = "")
    {
        var wrappers = slots.Values.SelectMany(s => s.Keys).Distinct().ToList();
        var w = string.Join(",\n", wrappers.Select(n => $$"""    { "name": "{{n}}", "kind": "{{KindOf(n)}}" }"""));
        var s = string.Join(",\n", slots.Select(slot =>
            $$"""    "{{slot.Key}}": { {{string.Join(", ", slot.Value.Select(kv => $"\"{kv.Key}\": \"{kv.Value}\""))}} }"""));
        return $$"""
            {
              "opsRoot": ".",
              "wrappers": [
            {{w}}
              ],
              "slots": {
            {{s}}
              }{{extra}}
            }
            """;
    }

    public static string Minimal => Fleet(new Dictionary<string, IReadOnlyDictionary<string, string>>
    {
        ["blue"] = new Dictionary<string, string> { ["routellm"] = "http://127.0.0.1:9/routellm" },
        ["green"] = new Dictionary<string, string> { ["routellm"] = "http://127.0.0.1:9/routellm-green" },
    });

    private static string KindOf(string name) => name switch
    {
        _ when name.StartsWith("poml", StringComparison.Ordinal) => "poml",
        _ when name.StartsWith("external", StringComparison.Ordinal) => "external-tool",
        _ => "routellm",
    };
}
