using System.Text.Json;

namespace Orchestrator.Ops.Core.Configuration;

public static partial class OpsConfigLoader
{
    // Reads the alerts section and its rules.
    private sealed partial class Validator
    {
        private Alerts.AlertSettings ReadAlerts(JsonElement root, ThresholdSettings thresholds)
        {
            var d = new Alerts.AlertSettings();
            if (!Section(root, "alerts", out var s))
            {
                return d with { Rules = Alerts.AlertSettings.RunbookRules(thresholds, d.For) };
            }

            const string at = "$.alerts";
            Known(s, at, "forSeconds", "resolveHoldSeconds", "webhooks", "rules");
            var @for = TimeSpan.FromSeconds(Number(s, at, "forSeconds", d.For.TotalSeconds, 0, 86_400));
            var hold = TimeSpan.FromSeconds(Number(s, at, "resolveHoldSeconds", d.ResolveHold.TotalSeconds, 0, 86_400));
            var webhooks = new List<Uri>();
            if (s.TryGetProperty("webhooks", out var hooks))
            {
                if (hooks.ValueKind != JsonValueKind.Array)
                {
                    Problem($"{at}.webhooks", $"must be an array of URLs, not {Describe(hooks)}");
                }
                else
                {
                    var i = 0;
                    foreach (var h in hooks.EnumerateArray())
                    {
                        var hat = $"{at}.webhooks[{i++}]";
                        if (h.ValueKind == JsonValueKind.String && Uri.TryCreate(h.GetString(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                        {
                            webhooks.Add(uri);
                        }
                        else
                        {
                            Problem(hat, $"{Describe(h)} is not an absolute http or https URL");
                        }
                    }
                }
            }

            var rules = s.TryGetProperty("rules", out var r) ? ReadRules(r, $"{at}.rules", @for) : Alerts.AlertSettings.RunbookRules(thresholds, @for);
            return new Alerts.AlertSettings { For = @for, ResolveHold = hold, Webhooks = webhooks, Rules = rules };
        }

        private List<Alerts.AlertRule> ReadRules(JsonElement array, string at, TimeSpan defaultFor)
        {
            var rules = new List<Alerts.AlertRule>();
            if (array.ValueKind != JsonValueKind.Array)
            {
                Problem(at, $"must be an array of rules, not {Describe(array)}");
                return rules;
            }

            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                var rat = $"{at}[{i++}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    Problem(rat, $"must be an object, not {Describe(item)}");
                    continue;
                }

                Known(item, rat, "name", "severity", "metric", "below", "threshold", "forSeconds");
                var name = RequiredString(item, rat, "name");
                var severity = RequiredString(item, rat, "severity") is { } sv
                    ? Named<Alerts.AlertSeverity>(sv) ?? Bad<Alerts.AlertSeverity>($"{rat}.severity", $"'{sv}' is not a severity; use warning or critical")
                    : (Alerts.AlertSeverity?)null;
                var metric = RequiredString(item, rat, "metric") is { } mv
                    ? Named<Alerts.AlertMetric>(mv) ?? Bad<Alerts.AlertMetric>($"{rat}.metric", $"'{mv}' is not a metric; use {string.Join(", ", Enum.GetNames<Alerts.AlertMetric>().Select(ConfigName))}")
                    : (Alerts.AlertMetric?)null;
                if (!item.TryGetProperty("threshold", out _))
                {
                    Problem($"{rat}.threshold", "required");
                }

                var threshold = Number(item, rat, "threshold", 0, -1e12, 1e12);
                var below = Bool(item, rat, "below", false);
                var ruleFor = TimeSpan.FromSeconds(Number(item, rat, "forSeconds", defaultFor.TotalSeconds, 0, 86_400));
                if (name is not null && rules.Any(x => x.Name == name))
                {
                    Problem($"{rat}.name", $"'{name}' is defined twice");
                }
                else if (name is not null && severity is not null && metric is not null)
                {
                    rules.Add(new Alerts.AlertRule(name, severity.Value, metric.Value, below, threshold, ruleFor));
                }
            }

            return rules;
        }

        /// <summary>
        /// The member whose configuration name (its name with a lower-case first letter: warning, errorRate) is exactly
        /// <paramref name="text"/>, as the schema lists them; not a number, another case or a comma-separated list, which
        /// Enum.TryParse would take.
        /// </summary>
        private static T? Named<T>(string text)
            where T : struct, Enum =>
            Enum.GetValues<T>().Where(v => ConfigName(v.ToString()) == text).Select(v => (T?)v).FirstOrDefault();

        private static string ConfigName(string memberName) => char.ToLowerInvariant(memberName[0]) + memberName[1..];

        private T? Bad<T>(string jsonPath, string message)
            where T : struct
        {
            Problem(jsonPath, message);
            return null;
        }
    }
}
