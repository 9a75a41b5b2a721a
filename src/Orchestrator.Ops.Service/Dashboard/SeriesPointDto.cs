using System.Text.Json.Serialization;
using Orchestrator.Ops.Core.Health;
using static Orchestrator.Ops.Service.ApiResults;

namespace Orchestrator.Ops.Service.Dashboard;

/// <summary>One point of a wrapper's series in the API's shape: snake_case, fractions, UTC.</summary>
internal sealed record SeriesPointDto(
    [property: JsonPropertyName("timestamp")] DateTime Timestamp,
    [property: JsonPropertyName("total_operations")] int TotalOperations,
    [property: JsonPropertyName("success_rate")] double? SuccessRate,
    [property: JsonPropertyName("p50_ms")] double? P50Ms,
    [property: JsonPropertyName("p95_ms")] double? P95Ms,
    [property: JsonPropertyName("p99_ms")] double? P99Ms)
{
    public static SeriesPointDto From(WrapperSeriesPoint p) =>
        new(Utc(p.Timestamp), p.TotalOperations, Fraction(p.SuccessRate), p.P50Ms, p.P95Ms, p.P99Ms);
}
