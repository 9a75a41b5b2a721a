using System.Text.Json.Serialization;
using Orchestrator.Ops.Core.Health;
using static Orchestrator.Ops.Service.ApiResults;

namespace Orchestrator.Ops.Service;

// The runbook's JSON shapes, field for field (snake_case, fractions, UTC timestamps).

internal sealed record SystemHealthDto(
    [property: JsonPropertyName("overall_health_score")] double? OverallHealthScore,
    [property: JsonPropertyName("system_status")] string SystemStatus,
    [property: JsonPropertyName("active_wrappers")] int ActiveWrappers,
    [property: JsonPropertyName("healthy_wrappers")] int HealthyWrappers,
    [property: JsonPropertyName("unhealthy_wrappers")] int UnhealthyWrappers,
    [property: JsonPropertyName("health_percentage")] double? HealthPercentage,
    [property: JsonPropertyName("total_operations")] int TotalOperations,
    [property: JsonPropertyName("active_operations")] int ActiveOperations,
    [property: JsonPropertyName("overall_success_rate")] double? OverallSuccessRate,
    [property: JsonPropertyName("error_count")] int ErrorCount,
    [property: JsonPropertyName("operations_per_minute")] double OperationsPerMinute,
    [property: JsonPropertyName("last_health_check")] DateTime? LastHealthCheck)
{
    public static SystemHealthDto From(SystemHealth h) => new(
        Fraction(h.OverallHealthScore), h.SystemStatus.ToString(), h.ActiveWrappers, h.HealthyWrappers, h.UnhealthyWrappers,
        h.HealthPercentage, h.TotalOperations, h.ActiveOperations, Fraction(h.OverallSuccessRate), h.ErrorCount, h.OperationsPerMinute,
        Utc(h.LastHealthCheck));
}

internal sealed record WrapperHealthDto(
    [property: JsonPropertyName("health_score")] double? HealthScore,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("last_activity")] DateTime? LastActivity,
    [property: JsonPropertyName("success_rate")] double? SuccessRate,
    [property: JsonPropertyName("error_rate")] double? ErrorRate,
    [property: JsonPropertyName("fallback_rate")] double? FallbackRate,
    [property: JsonPropertyName("total_operations")] int TotalOperations,
    [property: JsonPropertyName("p50_ms")] double? P50Ms,
    [property: JsonPropertyName("p95_ms")] double? P95Ms,
    [property: JsonPropertyName("p99_ms")] double? P99Ms,
    [property: JsonPropertyName("slot")] string Slot)
{
    public static WrapperHealthDto From(WrapperHealth w) => new(
        Fraction(w.HealthScore), w.Status.ToString(), Utc(w.LastActivity), Fraction(w.SuccessRate), Fraction(w.ErrorRate),
        Fraction(w.FallbackRate), w.TotalOperations, w.P50Ms, w.P95Ms, w.P99Ms, w.Slot);
}

internal sealed record MetricBucketDto(
    [property: JsonPropertyName("timestamp")] DateTime Timestamp,
    [property: JsonPropertyName("total_operations")] int TotalOperations,
    [property: JsonPropertyName("success_count")] int SuccessCount,
    [property: JsonPropertyName("error_count")] int ErrorCount,
    [property: JsonPropertyName("fallback_count")] int FallbackCount,
    [property: JsonPropertyName("success_rate")] double? SuccessRate,
    [property: JsonPropertyName("error_rate")] double? ErrorRate,
    [property: JsonPropertyName("fallback_rate")] double? FallbackRate,
    [property: JsonPropertyName("avg_response_time")] double? AvgResponseTime,
    [property: JsonPropertyName("p95_response_time")] double? P95ResponseTime)
{
    public static MetricBucketDto From(WrapperMetricBucket b) => new(
        Utc(b.Timestamp), b.TotalOperations, b.SuccessCount, b.ErrorCount, b.FallbackCount,
        Fraction(b.SuccessRate), Fraction(b.ErrorRate), Fraction(b.FallbackRate), b.AvgResponseTimeMs, b.P95Ms);
}

internal sealed record OperationRecordDto(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("wrapper_name")] string WrapperName,
    [property: JsonPropertyName("slot")] string Slot,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("operation_type")] string OperationType,
    [property: JsonPropertyName("start_time")] DateTime StartTime,
    [property: JsonPropertyName("end_time")] DateTime? EndTime,
    [property: JsonPropertyName("duration_ms")] double? DurationMs,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("status_code")] int? StatusCode,
    [property: JsonPropertyName("error_message")] string? ErrorMessage,
    [property: JsonPropertyName("error_code")] string? ErrorCode,
    [property: JsonPropertyName("fallback_used")] bool FallbackUsed,
    [property: JsonPropertyName("fallback_reason")] string? FallbackReason,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("version")] string? Version)
{
    public static OperationRecordDto From(OperationRecord r) => new(
        r.Id, r.Wrapper, r.Slot, r.Source.ToString().ToLowerInvariant(), r.OperationType, Utc(r.StartedAt), Utc(r.EndedAt), r.DurationMs,
        r.Status.ToString().ToLowerInvariant(), r.StatusCode, r.ErrorMessage, r.ErrorCode, r.FallbackUsed, r.FallbackReason, r.Attempts, r.Version);
}

/// <summary>An alert in the API: snake_case like the runbook's other objects.</summary>
internal static class AlertDto
{
    public static Dictionary<string, object?> From(Orchestrator.Ops.Core.Alerts.HealthAlert a) => new()
    {
        ["id"] = a.Id,
        ["rule"] = a.Rule,
        ["severity"] = a.Severity.ToString().ToLowerInvariant(),
        ["state"] = a.State.ToString().ToLowerInvariant(),
        ["wrapper_name"] = a.Wrapper,
        ["slot"] = a.Slot,
        ["value"] = a.Value,
        ["threshold"] = a.Threshold,
        ["message"] = a.Message,
        ["started_at"] = ApiResults.Utc(a.StartedAt),
        ["fired_at"] = ApiResults.Utc(a.FiredAt),
        ["resolved_at"] = ApiResults.Utc(a.ResolvedAt),
        ["acknowledged_at"] = ApiResults.Utc(a.AcknowledgedAt),
        ["acknowledged_by"] = a.AcknowledgedBy,
        ["muted"] = a.Muted,
    };
}
