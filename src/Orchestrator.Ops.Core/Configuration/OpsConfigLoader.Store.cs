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
            Known(s, at, "provider", "path", "busyTimeoutMs", "retentionDays", "retention");
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
                Retention = ReadRetention(s, at),
            };
        }

        /// <summary>
        /// store.retention (days per resolution) over the shorthand store.retentionDays. A finer resolution kept longer
        /// than a coarser one is refused: the coarse rows are what is left of the fine ones once those are gone.
        /// </summary>
        private HistoryRetention ReadRetention(JsonElement s, string at)
        {
            var basis = s.TryGetProperty("retentionDays", out _)
                ? HistoryRetention.FromDays(Number(s, at, "retentionDays", 31, 1, 3650))
                : new HistoryRetention();
            if (!s.TryGetProperty("retention", out var r))
            {
                return basis;
            }

            var rat = $"{at}.retention";
            if (r.ValueKind != JsonValueKind.Object)
            {
                Problem(rat, $"must be an object of days per resolution, not {Describe(r)}");
                return basis;
            }

            Known(r, rat, "secondsDays", "minutesDays", "hoursDays", "probesDays", "probeAttemptsDays");
            TimeSpan Days(string name, TimeSpan fallback) => TimeSpan.FromDays(Number(r, rat, name, fallback.TotalDays, 1, 3650));
            var result = new HistoryRetention
            {
                Seconds = Days("secondsDays", basis.Seconds),
                Minutes = Days("minutesDays", basis.Minutes),
                Hours = Days("hoursDays", basis.Hours),
                Probes = Days("probesDays", basis.Probes),
                ProbeAttempts = Days("probeAttemptsDays", basis.ProbeAttempts),
            };
            void Order(string finer, TimeSpan fine, string coarser, TimeSpan coarse)
            {
                if (fine > coarse)
                {
                    Problem($"{rat}.{finer}", $"{fine.TotalDays} is longer than {coarser} ({coarse.TotalDays}); a finer resolution cannot outlive a coarser one");
                }
            }

            Order("secondsDays", result.Seconds, "minutesDays", result.Minutes);
            Order("minutesDays", result.Minutes, "hoursDays", result.Hours);
            Order("probesDays", result.Probes, "hoursDays", result.Hours);
            Order("probeAttemptsDays", result.ProbeAttempts, "probesDays", result.Probes);
            return result;
        }
    }
}
