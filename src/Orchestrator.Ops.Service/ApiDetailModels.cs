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

internal sealed record SystemHealthDetailDto(
    [property: JsonPropertyName("overall_health_score")] double? OverallHealthScore,
    [property: JsonPropertyName("system_status")] string SystemStatus,
    [property: JsonPropertyName("active_slot")] string ActiveSlot,
    [property: JsonPropertyName("active_wrappers")] int ActiveWrappers,
    [property: JsonPropertyName("healthy_wrappers")] int HealthyWrappers,
    [property: JsonPropertyName("unhealthy_wrappers")] int UnhealthyWrappers,
    [property: JsonPropertyName("health_percentage")] double? HealthPercentage,
    [property: JsonPropertyName("total_operations")] int TotalOperations,
    [property: JsonPropertyName("active_operations")] int ActiveOperations,
    [property: JsonPropertyName("overall_success_rate")] double? OverallSuccessRate,
    [property: JsonPropertyName("error_count")] int ErrorCount,
    [property: JsonPropertyName("operations_per_minute")] double OperationsPerMinute,
    [property: JsonPropertyName("last_health_check")] DateTime? LastHealthCheck,
    [property: JsonPropertyName("wrappers")] IReadOnlyList<WrapperHealthDetailDto> Wrappers)
{
    public static SystemHealthDetailDto From(SystemHealth h) => new(
        Fraction(h.OverallHealthScore), h.SystemStatus.ToString(), h.ActiveSlot, h.ActiveWrappers, h.HealthyWrappers, h.UnhealthyWrappers,
        h.HealthPercentage, h.TotalOperations, h.ActiveOperations, Fraction(h.OverallSuccessRate), h.ErrorCount, h.OperationsPerMinute,
        Utc(h.LastHealthCheck), h.Wrappers.Select(WrapperHealthDetailDto.From).ToList());
}

/// <summary>Reading the optional query parameters the module's remote cmdlets send.</summary>
internal static class ApiQuery
{
    /// <summary>True when <c>detail=true</c> (or <c>detail=1</c>) is asked for.</summary>
    public static bool Detail(Microsoft.AspNetCore.Http.HttpRequest request) =>
        request.Query.TryGetValue("detail", out var v) && (string.Equals(v.ToString(), "true", StringComparison.OrdinalIgnoreCase) || v.ToString() == "1");
}
