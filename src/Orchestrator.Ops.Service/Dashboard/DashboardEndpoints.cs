using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Orchestrator.Ops.Core;

namespace Orchestrator.Ops.Service.Dashboard;

/// <summary>
/// The runbook's monitoring dashboard (section 1.1): the open page and assets, and the authenticated endpoints only
/// the page needs — its refresh settings, a wrapper's time series for the charts, and the tail of a log.
/// </summary>
internal static class DashboardEndpoints
{
    private const int MaxMinutes = 1440;
    private const int MaxPoints = 1440;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext context) => DashboardAssets.Serve(context, "index.html"));
        app.MapGet(DashboardAssets.Prefix + "{file}", (string file, HttpContext context) => DashboardAssets.Serve(context, file));

        app.MapGet("/api/dashboard/config", (OpsEngine engine, TimeProvider time) =>
        {
            var interval = engine.Config.HealthChecks.Interval.TotalSeconds;
            // Charts keep about 60-120 points: steps of two intervals (5 s to 1 min), over 10 to 60 minutes.
            var step = (int)Math.Clamp(Math.Ceiling(2 * interval), 5, 60);
            var minutes = Math.Clamp(2 * step, 10, 60);
            return ApiResults.Ok(new Dictionary<string, object?>
            {
                ["health_check_interval_seconds"] = interval,
                ["refresh_seconds"] = Math.Min(5, interval),
                ["chart_minutes"] = minutes,
                ["chart_step_seconds"] = step,
                ["logs"] = LogTail.Names,
                ["version"] = ApiEndpoints.Version,
            }, time);
        });

        app.MapGet("/api/wrappers/{name}/series", async (string name, HttpRequest request, OpsEngine engine, TimeProvider time, CancellationToken ct) =>
        {
            if (!TryInt(request, "minutes", 60, 1, MaxMinutes, out var minutes, out var problem)
                || !TryInt(request, "step", 60, 1, 3600, out var step, out problem))
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, problem, time);
            }

            if (minutes * 60 / step > MaxPoints)
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest,
                    $"{minutes} minutes in steps of {step} s is more than {MaxPoints} points; use a longer step.", time);
            }

            var wrapper = engine.Config.FindWrapper(name);
            if (wrapper is null)
            {
                return ApiResults.Error(StatusCodes.Status404NotFound,
                    $"Unknown wrapper '{name}'. Known wrappers: {string.Join(", ", engine.Config.Wrappers.Select(w => w.Name))}.", time);
            }

            var slot = await engine.Health.GetActiveSlotAsync(ct);
            var points = await engine.Health.GetSeriesAsync(wrapper.Name, slot, time.GetUtcNow().AddMinutes(-minutes), TimeSpan.FromSeconds(step), ct);
            return ApiResults.Ok(points.Select(SeriesPointDto.From).ToList(), time,
                ("wrapper_name", wrapper.Name), ("slot", slot), ("minutes", minutes), ("step_seconds", step));
        });

        app.MapGet("/api/logs/tail", async (HttpRequest request, OpsEngine engine, TimeProvider time, CancellationToken ct) =>
        {
            var log = request.Query.TryGetValue("log", out var l) ? l.ToString() : "application";
            if (!LogTail.Names.Contains(log, StringComparer.Ordinal))
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest,
                    $"Unknown log '{log}'; use one of {string.Join(", ", LogTail.Names)}.", time);
            }

            if (!TryInt(request, "lines", 100, 1, LogTail.MaxLines, out var lines, out var problem))
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, problem, time);
            }

            var path = Path.Combine(engine.Config.LogsFolder, log + ".log");
            var text = await LogTail.ReadAsync(path, lines, ct);
            return ApiResults.Ok(text, time, ("log", log), ("lines", text.Count));
        });
    }

    private static bool TryInt(HttpRequest request, string name, int fallback, int min, int max, out int value, out string problem)
    {
        value = fallback;
        problem = string.Empty;
        if (!request.Query.TryGetValue(name, out var values))
        {
            return true;
        }

        var text = values.ToString();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < min || value > max)
        {
            problem = $"'{name}' must be a whole number from {min} to {max}, not '{text}'.";
            return false;
        }

        return true;
    }
}
