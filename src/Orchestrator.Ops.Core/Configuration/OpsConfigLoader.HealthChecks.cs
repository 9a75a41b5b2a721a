using System.Text.Json;

namespace Orchestrator.Ops.Core.Configuration;

public static partial class OpsConfigLoader
{
    // Reads the healthChecks section.
    private sealed partial class Validator
    {
        private HealthCheckSettings ReadHealthChecks(JsonElement root)
        {
            var d = new HealthCheckSettings();
            if (!Section(root, "healthChecks", out var s))
            {
                return d;
            }

            const string at = "$.healthChecks";
            Known(s, at, "intervalSeconds", "timeoutSeconds", "retries", "retryDelayMs", "maxParallelism", "windowMinutes", "minimumSamples");
            return new HealthCheckSettings
            {
                Interval = TimeSpan.FromSeconds(Number(s, at, "intervalSeconds", d.Interval.TotalSeconds, 1, 86_400)),
                Timeout = TimeSpan.FromSeconds(Number(s, at, "timeoutSeconds", d.Timeout.TotalSeconds, 0.05, 600)),
                Retries = (int)Number(s, at, "retries", d.Retries, 0, 10, integer: true),
                RetryDelay = TimeSpan.FromMilliseconds(Number(s, at, "retryDelayMs", d.RetryDelay.TotalMilliseconds, 0, 60_000)),
                MaxParallelism = (int)Number(s, at, "maxParallelism", d.MaxParallelism, 1, 4096, integer: true),
                Window = TimeSpan.FromMinutes(Number(s, at, "windowMinutes", d.Window.TotalMinutes, 1, 10_080)),
                MinimumSamples = (int)Number(s, at, "minimumSamples", d.MinimumSamples, 1, 100_000, integer: true),
            };
        }
    }
}
