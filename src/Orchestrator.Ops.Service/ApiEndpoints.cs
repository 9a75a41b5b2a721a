using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Service;

/// <summary>The runbook's dashboard API (section 1.2 and 8.2), over the engine's health capability.</summary>
internal static class ApiEndpoints
{
    private const int MaxHours = 744;

    public static string Version { get; } = typeof(ApiEndpoints).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(ApiEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/health", (TimeProvider time) =>
            Results.Json(new Dictionary<string, object?> { ["status"] = "healthy", ["timestamp"] = ApiResults.Utc(time.GetUtcNow()), ["version"] = Version }, ApiResults.Json));

        app.MapGet("/api/system/health", async (HttpRequest request, OpsEngine engine, TimeProvider time, CancellationToken ct) =>
        {
            var health = await engine.Health.GetSystemHealthAsync(live: false, NullReporter.Instance, ct);
            if (ApiQuery.Detail(request))
            {
                return ApiResults.Ok(SystemHealthDetail.From(health), time);
            }

            return ApiResults.Ok(SystemHealthDto.From(health), time);
        });

        app.MapGet("/api/wrappers/health", async (HttpRequest request, OpsEngine engine, TimeProvider time, CancellationToken ct) =>
        {
            var slot = await engine.Health.GetActiveSlotAsync(ct);
            // ?slot=blue|green|all picks the slot (default: the active one); ?detail=true (or slot=all) answers a list of
            // the module's full objects instead of the runbook's map by name.
            string? selected = slot;
            var detail = ApiQuery.Detail(request);
            if (request.Query.TryGetValue("slot", out var sq))
            {
                if (string.Equals(sq.ToString(), "all", StringComparison.OrdinalIgnoreCase))
                {
                    selected = null;
                    detail = true;
                }
                else if (engine.Config.FindSlot(sq.ToString()) is { } chosen)
                {
                    selected = slot = chosen.Name;
                }
                else
                {
                    return ApiResults.Error(StatusCodes.Status400BadRequest,
                        $"Unknown slot '{sq}'. Slots: {string.Join(", ", engine.Config.Slots.Select(s => s.Name))}, or all.", time);
                }
            }

            if (detail)
            {
                var detailed = await engine.Health.GetWrapperHealthAsync(null, selected, live: false, NullReporter.Instance, ct);
                return ApiResults.Ok(detailed.Select(WrapperHealthDetailDto.From).ToList(), time, ("slot", selected ?? "all"));
            }

            var wrappers = await engine.Health.GetWrapperHealthAsync(null, slot, live: false, NullReporter.Instance, ct);
            var data = wrappers.ToDictionary(w => w.Name, WrapperHealthDto.From, StringComparer.Ordinal);
            return ApiResults.Ok(data, time, ("slot", slot));
        });

        app.MapGet("/api/wrappers/{name}/metrics", async (string name, HttpRequest request, OpsEngine engine, TimeProvider time, CancellationToken ct) =>
        {
            if (!TryHours(request, 24, out var hours, out var problem))
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, problem, time);
            }

            var wrapper = engine.Config.FindWrapper(name);
            if (wrapper is null)
            {
                return ApiResults.Error(StatusCodes.Status404NotFound,
                    $"Unknown wrapper '{name}'. Known wrappers: {string.Join(", ", engine.Config.Wrappers.Select(w => w.Name))}.", time);
            }

            var slot = await engine.Health.GetActiveSlotAsync(ct);
            if (request.Query.TryGetValue("slot", out var sq))
            {
                if (engine.Config.FindSlot(sq.ToString()) is not { } chosen)
                {
                    return ApiResults.Error(StatusCodes.Status400BadRequest,
                        $"Unknown slot '{sq}'. Slots: {string.Join(", ", engine.Config.Slots.Select(s => s.Name))}.", time);
                }

                slot = chosen.Name;
            }

            var buckets = await engine.Health.GetMetricsAsync(wrapper.Name, slot, hours, ct);
            if (sq.Count > 0 || ApiQuery.Detail(request))
            {
                return ApiResults.Ok(buckets.Select(MetricBucketDto.From).ToList(), time,
                    ("wrapper_name", wrapper.Name), ("time_range_hours", hours), ("slot", slot));
            }

            return ApiResults.Ok(buckets.Select(MetricBucketDto.From).ToList(), time,
                ("wrapper_name", wrapper.Name), ("time_range_hours", hours));
        });

        app.MapGet("/api/metrics/export", async (HttpRequest request, OpsEngine engine, FailedAuthTracker failures, TimeProvider time, CancellationToken ct) =>
        {
            var format = request.Query.TryGetValue("format", out var f) ? f.ToString() : "json";
            if (!TryHours(request, 1, out var hours, out var problem))
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, problem, time);
            }

            switch (format.ToLowerInvariant())
            {
                case "json":
                    var now = time.GetUtcNow();
                    var records = await engine.Store.Health.GetAsync(new OperationQuery(now.AddHours(-hours), now.AddMilliseconds(1)), ct);
                    return ApiResults.Ok(records.Select(OperationRecordDto.From).ToList(), time,
                        ("export_format", "json"));
                case "prometheus":
                    var text = await PrometheusExporter.RenderAsync(engine, failures.Total, ct);
                    return Results.Text(text, PrometheusExporter.ContentType);
                default:
                    return ApiResults.Error(StatusCodes.Status400BadRequest,
                        $"Unknown export format '{format}'; use format=json or format=prometheus.", time);
            }
        });

        app.MapGet("/api/deployment/slots", async (OpsEngine engine, TimeProvider time, CancellationToken ct) =>
        {
            // The slots as the service sees them: which one takes traffic, and each wrapper's URL, version and health there.
            var active = await engine.Health.GetActiveSlotAsync(ct);
            var health = await engine.Health.GetWrapperHealthAsync(null, null, live: false, NullReporter.Instance, ct);
            var data = engine.Config.Slots.Select(slot => new Dictionary<string, object?>
            {
                ["name"] = slot.Name,
                ["active"] = string.Equals(slot.Name, active, StringComparison.OrdinalIgnoreCase),
                ["wrappers"] = health.Where(h => h.Slot == slot.Name).Select(h => new Dictionary<string, object?>
                {
                    ["name"] = h.Name,
                    ["url"] = h.Url.AbsoluteUri,
                    ["version"] = h.Version,
                    ["status"] = h.Status.ToString(),
                    ["health_score"] = ApiResults.Fraction(h.HealthScore),
                    ["last_check"] = ApiResults.Utc(h.LastCheck),
                }).ToList(),
            }).ToList();
            return ApiResults.Ok(data, time, ("active_slot", active));
        });

        app.MapGet("/api/deployment/history", async (HttpRequest request, OpsEngine engine, TimeProvider time, CancellationToken ct) =>
        {
            // Every switch and rollback, newest first (?limit=1..1000, default 20; ?running=true for those still running).
            var limit = 20;
            if (request.Query.TryGetValue("limit", out var lq) && (!int.TryParse(lq.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, $"limit must be a whole number from 1 to 1000, not '{lq}'.", time);
            }

            var running = string.Equals(request.Query["running"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
            var ops = await engine.Deployment.GetHistoryAsync(null, running, limit, ct);
            var data = ops.Select(o => new Dictionary<string, object?>
            {
                ["id"] = o.Id,
                ["kind"] = o.Kind.ToString().ToLowerInvariant(),
                ["from_slot"] = o.FromSlot,
                ["to_slot"] = o.ToSlot,
                ["outcome"] = o.Outcome,
                ["state"] = o.State.ToString().ToLowerInvariant(),
                ["step"] = o.Step.ToString(),
                ["reason"] = o.Reason,
                ["rollback_point_id"] = o.RollbackPointId,
                ["started_at"] = ApiResults.Utc(o.StartedAt),
                ["ended_at"] = ApiResults.Utc(o.EndedAt),
                ["started_by"] = o.StartedBy,
                ["handed_off"] = o.HandedOff,
            }).ToList();
            var holder = await engine.Store.Deployment.GetLockAsync(ct);
            return ApiResults.Ok(data, time, ("lock_holder", holder?.Holder));
        });

        app.MapGet("/api/deployment/rollback-points", async (HttpRequest request, OpsEngine engine, TimeProvider time, CancellationToken ct) =>
        {
            var stable = string.Equals(request.Query["stable"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
            var points = await engine.Store.Deployment.GetRollbackPointsAsync(null, stable, 100, ct);
            var data = points.Select(p => new Dictionary<string, object?>
            {
                ["id"] = p.Id,
                ["created_at"] = ApiResults.Utc(p.CreatedAt),
                ["created_by"] = p.CreatedBy,
                ["description"] = p.Description,
                ["stable"] = p.Stable,
                ["active_slot"] = p.ActiveSlot,
                ["source"] = p.Source,
                ["versions"] = p.Versions,
                // Paths and hashes only: the copies may hold secrets and are never served.
                ["files"] = p.Files.Select(f => new Dictionary<string, object?> { ["path"] = f.Path, ["sha256"] = f.Sha256, ["length"] = f.Length }).ToList(),
            }).ToList();
            return ApiResults.Ok(data, time);
        });

        app.MapGet("/api/alerts", async (HttpRequest request, OpsEngine engine, TimeProvider time, CancellationToken ct) =>
        {
            var states = new List<AlertState>();
            foreach (var text in request.Query["state"].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                if (!Enum.TryParse<AlertState>(text, ignoreCase: true, out var st) || int.TryParse(text, out _))
                {
                    return ApiResults.Error(StatusCodes.Status400BadRequest, $"Unknown alert state '{text}'; use pending, firing or resolved.", time);
                }

                states.Add(st);
            }

            AlertSeverity? severity = null;
            if (request.Query.TryGetValue("severity", out var sv))
            {
                if (!Enum.TryParse<AlertSeverity>(sv.ToString(), ignoreCase: true, out var parsed) || int.TryParse(sv.ToString(), out _))
                {
                    return ApiResults.Error(StatusCodes.Status400BadRequest, $"Unknown severity '{sv}'; use warning or critical.", time);
                }

                severity = parsed;
            }

            // Optional filters the module's Get-HealthAlert -Uri sends: wrapper=, id= (any state), limit=.
            long? id = null;
            if (request.Query.TryGetValue("id", out var iv))
            {
                if (!long.TryParse(iv.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsedId))
                {
                    return ApiResults.Error(StatusCodes.Status400BadRequest, $"'id' must be a whole number, not '{iv}'.", time);
                }

                id = parsedId;
            }

            var limit = 1000;
            if (request.Query.TryGetValue("limit", out var lv)
                && (!int.TryParse(lv.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > 100_000))
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, $"'limit' must be a whole number from 1 to 100000, not '{lv}'.", time);
            }

            var wrapperFilter = request.Query.TryGetValue("wrapper", out var wv) && wv.ToString().Length > 0 ? wv.ToString() : null;
            var alerts = await engine.Alerts.GetAsync(id is { } one
                ? new AlertQuery { Id = one }
                : new AlertQuery { States = states.Count > 0 ? states : AlertQuery.Open.States, Severity = severity, Wrapper = wrapperFilter, Limit = limit }, ct);
            if (ApiQuery.Detail(request))
            {
                return ApiResults.Ok(alerts.Select(a =>
                {
                    var dto = AlertDto.From(a);
                    dto["clear_since"] = ApiResults.Utc(a.ClearSince);
                    return dto;
                }).ToList(), time);
            }

            return ApiResults.Ok(alerts.Select(AlertDto.From).ToList(), time);
        });

        app.MapPost("/api/service/shutdown", (HttpContext context, IHostApplicationLifetime lifetime, TimeProvider time) =>
        {
            // Stop once the answer has gone out, so the caller sees the 202.
            context.Response.OnCompleted(() =>
            {
                lifetime.StopApplication();
                return Task.CompletedTask;
            });
            return ApiResults.Ok(new Dictionary<string, object?> { ["status"] = "stopping" }, time, StatusCodes.Status202Accepted);
        });

        app.MapFallback((TimeProvider time, HttpRequest request) =>
            ApiResults.Error(StatusCodes.Status404NotFound, $"No such endpoint: {request.Method} {request.Path}.", time));
    }

    private static bool TryHours(HttpRequest request, int fallback, out int hours, out string problem)
    {
        hours = fallback;
        problem = string.Empty;
        if (!request.Query.TryGetValue("hours", out var values))
        {
            return true;
        }

        var text = values.ToString();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out hours) || hours < 1 || hours > MaxHours)
        {
            problem = $"'hours' must be a whole number from 1 to {MaxHours}, not '{text}'.";
            return false;
        }

        return true;
    }
}
