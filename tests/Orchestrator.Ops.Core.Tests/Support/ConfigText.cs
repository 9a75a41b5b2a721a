namespace Orchestrator.Ops.Core.Tests.Support;

/// <summary>Configuration documents for tests that need no running fleet (those that do use FleetFixture.ConfigText).</summary>
public static class ConfigText
{
    /// <summary>One wrapper in two slots. Tests append sections by replacing its last two characters ("\n}").</summary>
    public const string Minimal = """
        {
          "opsRoot": ".",
          "wrappers": [
            { "name": "routellm", "kind": "routellm" }
          ],
          "slots": {
            "blue": { "routellm": "http://127.0.0.1:9/routellm" },
            "green": { "routellm": "http://127.0.0.1:9/routellm-green" }
          }
        }
        """;
}
