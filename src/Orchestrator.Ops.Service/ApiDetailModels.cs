using System.Text.Json.Serialization;
using Orchestrator.Ops.Core.Health;
using static Orchestrator.Ops.Service.ApiResults;

namespace Orchestrator.Ops.Service;

// "?detail=true": everything the module's own objects carry, so Get-WrapperHealth -Uri returns the same objects as
// the local cmdlet. The runbook's shapes (without detail) stay exactly as they are; these only add fields.

internal sealed record WrapperHealthDetailDto(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("slot")] string Slot,
    [property: JsonPropertyName("active")] bool Active,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("health_score")] double? HealthScore,
    [property: JsonPropertyName("success_rate")] double? SuccessRate,
    [property: JsonPropertyName("error_rate")] double? ErrorRate,
    [property: JsonPropertyName("fallback_rate")] double? FallbackRate,
    [property: JsonPropertyName("total_operations")] int TotalOperations,
    [property: JsonPropertyName("error_count")] int ErrorCount,
    [property: JsonPropertyName("fallback_count")] int FallbackCount,
    [property: JsonPropertyName("p50_ms")] double? P50Ms,
    [property: JsonPropertyName("p95_ms")] double? P95Ms,
    [property: JsonPropertyName("p99_ms")] double? P99Ms,
    [property: JsonPropertyName("average_ms")] double? AverageMs,
    [property: JsonPropertyName("last_activity")] DateTime? LastActivity,
    [property: JsonPropertyName("last_check")] DateTime? LastCheck,
    [property: JsonPropertyName("last_probe_attempts")] int? LastProbeAttempts,
    [property: JsonPropertyName("consecutive_probe_failures")] int ConsecutiveProbeFailures,
    [property: JsonPropertyName("window_minutes")] double WindowMinutes)
{
    public static WrapperHealthDetailDto From(WrapperHealth w) => new(
        w.Name, w.Slot, w.Active, w.Status.ToString(), w.Message, w.Kind.ToString(), w.Url.AbsoluteUri, w.Version,
        Fraction(w.HealthScore), Fraction(w.SuccessRate), Fraction(w.ErrorRate), Fraction(w.FallbackRate),
        w.TotalOperations, w.ErrorCount, w.FallbackCount, w.P50Ms, w.P95Ms, w.P99Ms, w.AverageMs,
        Utc(w.LastActivity), Utc(w.LastCheck), w.LastProbeAttempts, w.ConsecutiveProbeFailures, w.Window.TotalMinutes);
}

/// <summary>The runbook's system health object plus <c>active_slot</c> and the full <c>wrappers</c>: built from
/// <see cref="SystemHealthDto"/> so the runbook's fields are written in one place.</summary>
internal static class SystemHealthDetail
{
    public static System.Text.Json.Nodes.JsonObject From(SystemHealth h)
    {
        var o = System.Text.Json.JsonSerializer.SerializeToNode(SystemHealthDto.From(h), ApiResults.Json)!.AsObject();
        o["active_slot"] = h.ActiveSlot;
        o["wrappers"] = System.Text.Json.JsonSerializer.SerializeToNode(h.Wrappers.Select(WrapperHealthDetailDto.From).ToList(), ApiResults.Json);
        return o;
    }
}

/// <summary>Reading the optional query parameters the module's remote cmdlets send.</summary>
internal static class ApiQuery
{
    /// <summary>True when <c>detail=true</c> (or <c>detail=1</c>) is asked for.</summary>
    public static bool Detail(Microsoft.AspNetCore.Http.HttpRequest request) =>
        request.Query.TryGetValue("detail", out var v) && (string.Equals(v.ToString(), "true", StringComparison.OrdinalIgnoreCase) || v.ToString() == "1");
}
