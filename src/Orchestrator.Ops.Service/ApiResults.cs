using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Orchestrator.Ops.Service;

/// <summary>The runbook's response envelopes: <c>{success, data, timestamp}</c> and <c>{success:false, error, timestamp}</c>.</summary>
internal static class ApiResults
{
    public static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    public static DateTime Utc(DateTimeOffset value) => value.UtcDateTime;

    public static DateTime? Utc(DateTimeOffset? value) => value?.UtcDateTime;

    /// <summary>The engine's percentages as the runbook's fractions (0.95); null stays null.</summary>
    public static double? Fraction(double? percent) => percent is { } p ? Math.Round(p / 100.0, 4) : null;

    public static IResult Ok(object data, TimeProvider time, int status = StatusCodes.Status200OK) =>
        Results.Json(new Dictionary<string, object?> { ["success"] = true, ["data"] = data, ["timestamp"] = Utc(time.GetUtcNow()) }, Json, statusCode: status);

    public static IResult Ok(object data, TimeProvider time, params (string Name, object? Value)[] extra)
    {
        var body = new Dictionary<string, object?> { ["success"] = true, ["data"] = data };
        foreach (var (name, value) in extra)
        {
            body[name] = value;
        }

        body["timestamp"] = Utc(time.GetUtcNow());
        return Results.Json(body, Json);
    }

    public static IResult Error(int status, string message, TimeProvider time) =>
        Results.Json(ErrorBody(message, time), Json, statusCode: status);

    public static Task WriteErrorAsync(HttpContext context, int status, string message, TimeProvider time)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(ErrorBody(message, time), Json);
    }

    private static Dictionary<string, object?> ErrorBody(string message, TimeProvider time) =>
        new() { ["success"] = false, ["error"] = message, ["timestamp"] = Utc(time.GetUtcNow()) };
}
