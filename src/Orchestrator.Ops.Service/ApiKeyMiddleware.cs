using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Orchestrator.Ops.Core.Logging;

namespace Orchestrator.Ops.Service;

/// <summary>
/// Every request but GET /health and the dashboard's page and assets needs the API key (X-Api-Key or Authorization: Bearer), compared in constant time.
/// A client with too many recent failures is refused with 429 before its key is even looked at.
/// The presented key is never logged.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyHolder key, FailedAuthTracker failures, Serilog.ILogger log, TimeProvider time)
{
    private readonly Serilog.ILogger _security = log.ForCategory("security");

    public async Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Equals("/health", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        if (Dashboard.DashboardAssets.IsOpen(context.Request))
        {
            await next(context);
            return;
        }

        var client = context.Connection.RemoteIpAddress?.ToString() ?? "local";
        if (failures.RetryAfter(client) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            _security.Warning("Refused {Method} {Path} from {Client}: too many failed authentications; retry after {Seconds} s",
                context.Request.Method, context.Request.Path.Value, client, seconds);
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests,
                $"Too many failed authentications from this client; try again in {seconds} s.", time);
            return;
        }

        var presented = Presented(context.Request);
        if (presented is not null && key.Matches(presented))
        {
            await next(context);
            return;
        }

        var count = failures.RecordFailure(client);
        _security.Warning("Failed authentication from {Client} for {Method} {Path}: {Reason} ({Count} within the window)",
            client, context.Request.Method, context.Request.Path.Value, presented is null ? "no API key" : "wrong API key", count);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await ApiResults.WriteErrorAsync(context, StatusCodes.Status401Unauthorized,
            presented is null
                ? "An API key is required: send it as X-Api-Key or Authorization: Bearer."
                : "The API key is not valid.",
            time);
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Api-Key", out var header) && header.Count > 0 && !string.IsNullOrEmpty(header[0]))
        {
            return header[0];
        }

        var auth = request.Headers.Authorization.ToString();
        return auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth["Bearer ".Length..].Trim() : null;
    }
}

/// <summary>The expected API key, kept as bytes for the constant-time comparison.</summary>
internal sealed class ApiKeyHolder(string key)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(key));

    // Hashing both sides first makes the comparison constant-time regardless of the presented length.
    public bool Matches(string presented) =>
        CryptographicOperations.FixedTimeEquals(_expected, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}
