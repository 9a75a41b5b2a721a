using System.Text.Json;

namespace Orchestrator.Ops.Core.Configuration;

public static partial class OpsConfigLoader
{
    // Reads the thresholds section.
    private sealed partial class Validator
    {
        private ThresholdSettings ReadThresholds(JsonElement root)
        {
            var d = new ThresholdSettings();
            if (!Section(root, "thresholds", out var s))
            {
                return d;
            }

            const string at = "$.thresholds";
            Known(s, at, "minSuccessRatePercent", "maxErrorRatePercent", "maxFallbackRatePercent", "maxResponseMs", "maxP95Ms", "maxP99Ms", "healthWarningPercent", "healthCriticalPercent");
            var t = new ThresholdSettings
            {
                MinSuccessRatePercent = Number(s, at, "minSuccessRatePercent", d.MinSuccessRatePercent, 0, 100),
                MaxErrorRatePercent = Number(s, at, "maxErrorRatePercent", d.MaxErrorRatePercent, 0.01, 100),
                MaxFallbackRatePercent = Number(s, at, "maxFallbackRatePercent", d.MaxFallbackRatePercent, 0.01, 100),
                MaxResponseMs = Number(s, at, "maxResponseMs", d.MaxResponseMs, 1, 3_600_000),
                MaxP95Ms = Number(s, at, "maxP95Ms", d.MaxP95Ms, 1, 3_600_000),
                MaxP99Ms = Number(s, at, "maxP99Ms", d.MaxP99Ms, 1, 3_600_000),
                HealthWarningPercent = Number(s, at, "healthWarningPercent", d.HealthWarningPercent, 0, 100),
                HealthCriticalPercent = Number(s, at, "healthCriticalPercent", d.HealthCriticalPercent, 0, 100),
            };
            if (t.HealthCriticalPercent >= t.HealthWarningPercent)
            {
                Problem($"{at}.healthCriticalPercent", $"must be below healthWarningPercent ({t.HealthWarningPercent})");
            }

            if (t.MaxP95Ms > t.MaxP99Ms)
            {
                Problem($"{at}.maxP95Ms", $"must not exceed maxP99Ms ({t.MaxP99Ms})");
            }

            return t;
        }
    }
}
