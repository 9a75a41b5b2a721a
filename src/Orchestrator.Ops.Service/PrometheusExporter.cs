using System.Globalization;
using System.Text;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Service;

/// <summary>The fleet's health in the Prometheus text exposition format 0.0.4. Rates and scores are fractions.</summary>
internal static class PrometheusExporter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static async Task<string> RenderAsync(OpsEngine engine, long authFailures, CancellationToken ct)
    {
        var wrappers = await engine.Health.GetWrapperHealthAsync(null, null, live: false, NullReporter.Instance, ct);
        var system = await engine.Health.GetSystemHealthAsync(live: false, NullReporter.Instance, ct);
        var sb = new StringBuilder();

        Gauge(sb, "orchestrator_wrapper_health_score", "Wrapper health score over the health window (0..1).", wrappers, w => ApiResults.Fraction(w.HealthScore));
        Gauge(sb, "orchestrator_wrapper_success_rate", "Share of operations that succeeded without fallback (0..1).", wrappers, w => ApiResults.Fraction(w.SuccessRate));
        Gauge(sb, "orchestrator_wrapper_error_rate", "Share of operations that failed (0..1).", wrappers, w => ApiResults.Fraction(w.ErrorRate));
        Gauge(sb, "orchestrator_wrapper_fallback_rate", "Share of operations that used a fallback (0..1).", wrappers, w => ApiResults.Fraction(w.FallbackRate));

        Header(sb, "orchestrator_wrapper_latency_ms", "Response time quantiles over the health window, in milliseconds.", "gauge");
        foreach (var w in wrappers)
        {
            foreach (var (q, v) in new[] { ("0.5", w.P50Ms), ("0.95", w.P95Ms), ("0.99", w.P99Ms) })
            {
                if (v is { } ms)
                {
                    Line(sb, "orchestrator_wrapper_latency_ms", $"{Labels(w)},quantile=\"{q}\"", ms);
                }
            }
        }

        Gauge(sb, "orchestrator_wrapper_operations_total", "Operations recorded over the health window.", wrappers, w => w.TotalOperations);

        Header(sb, "orchestrator_active_operations", "Operations started and not yet ended.", "gauge");
        Line(sb, "orchestrator_active_operations", null, system.ActiveOperations);

        Header(sb, "orchestrator_auth_failures_total", "Failed API authentications since the service started.", "counter");
        Line(sb, "orchestrator_auth_failures_total", null, authFailures);
        return sb.ToString();
    }

    private static void Gauge(StringBuilder sb, string name, string help, IReadOnlyList<WrapperHealth> wrappers, Func<WrapperHealth, double?> value)
    {
        Header(sb, name, help, "gauge");
        foreach (var w in wrappers)
        {
            if (value(w) is { } v)
            {
                Line(sb, name, Labels(w), v);
            }
        }
    }

    private static void Header(StringBuilder sb, string name, string help, string type) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
          .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Line(StringBuilder sb, string name, string? labels, double value)
    {
        sb.Append(name);
        if (labels is not null)
        {
            sb.Append('{').Append(labels).Append('}');
        }

        sb.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Labels(WrapperHealth w) => $"wrapper=\"{Escape(w.Name)}\",slot=\"{Escape(w.Slot)}\"";

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
