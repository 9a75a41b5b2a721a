using System.Text.Json;

namespace Orchestrator.Ops.Core.Configuration;

public static partial class OpsConfigLoader
{
    // Reads the store section.
    private sealed partial class Validator
    {
        private StoreSettings ReadStore(JsonElement root, string opsRoot)
        {
            var defaultPath = Path.Combine(opsRoot, "state", "ops.db");
            if (!Section(root, "store", out var s))
            {
                return new StoreSettings { Path = defaultPath };
            }

            const string at = "$.store";
            Known(s, at, "provider", "path", "busyTimeoutMs", "retentionDays");
            var provider = OptionalString(s, at, "provider") ?? "sqlite";
            if (provider != "sqlite")
            {
                Problem($"{at}.provider", $"'{provider}' is not a supported store; use sqlite");
            }

            var path = OptionalString(s, at, "path");
            return new StoreSettings
            {
                Provider = provider,
                Path = path is null ? defaultPath : Path.GetFullPath(path, opsRoot),
                BusyTimeout = TimeSpan.FromMilliseconds(Number(s, at, "busyTimeoutMs", 5000, 0, 600_000)),
                Retention = TimeSpan.FromDays(Number(s, at, "retentionDays", 31, 1, 3650)),
            };
        }
    }
}
