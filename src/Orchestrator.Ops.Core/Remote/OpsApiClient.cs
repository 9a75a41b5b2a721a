using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Text.Json;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Core.Remote;

/// <summary>
/// Reads the monitoring service's API and returns the same objects the engine returns locally. The API speaks
/// fractions (0.95); the objects carry percentages, so rates and scores are turned back (×100, to the engine's
/// two decimals). The key lives only in this object's memory and goes out only in the X-Api-Key header.
/// </summary>
public sealed class OpsApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly string _apiKey;

    /// <param name="serviceUri">The service's address, e.g. https://host:5000 (a path prefix is kept).</param>
    /// <param name="apiKey">The service's API key.</param>
    /// <param name="skipCertificateCheck">Accept any certificate (like Invoke-RestMethod -SkipCertificateCheck).</param>
    /// <param name="timeout">How long one request may take; 30 s when null.</param>
    public OpsApiClient(Uri serviceUri, string apiKey, bool skipCertificateCheck = false, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(serviceUri);
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        if (!serviceUri.IsAbsoluteUri || serviceUri.Scheme is not ("https" or "http"))
        {
            throw new ArgumentException($"'{serviceUri}' is not an http(s) address of the monitoring service.", nameof(serviceUri));
        }

        ServiceUri = serviceUri;
        _base = serviceUri.AbsoluteUri.EndsWith('/') ? serviceUri : new Uri(serviceUri.AbsoluteUri + "/");
        _apiKey = apiKey;
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (skipCertificateCheck)
        {
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true };
        }

        _http = new HttpClient(handler) { Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    public Uri ServiceUri { get; }

    /// <summary>Health of every wrapper in <paramref name="slot"/> (every slot when null), optionally only the named ones.</summary>
    public async Task<IReadOnlyList<WrapperHealth>> GetWrapperHealthAsync(IReadOnlyCollection<string>? names, string? slot, CancellationToken cancellationToken)
    {
        using var doc = await GetAsync($"api/wrappers/health?detail=true&slot={Uri.EscapeDataString(slot ?? "all")}", cancellationToken).ConfigureAwait(false);
        var all = doc.RootElement.GetProperty("data").EnumerateArray().Select(ReadWrapper);
        return names is null
            ? all.ToList()
            : all.Where(w => names.Contains(w.Name, StringComparer.OrdinalIgnoreCase)).ToList();
    }

    /// <summary>The runbook's system health over the active slot, with its wrappers.</summary>
    public async Task<SystemHealth> GetSystemHealthAsync(CancellationToken cancellationToken)
    {
        using var doc = await GetAsync("api/system/health?detail=true", cancellationToken).ConfigureAwait(false);
        var d = doc.RootElement.GetProperty("data");
        return new SystemHealth
        {
            OverallHealthScore = Percent(d, "overall_health_score"),
            SystemStatus = Enum.Parse<HealthStatus>(d.GetProperty("system_status").GetString()!, ignoreCase: true),
            ActiveSlot = d.GetProperty("active_slot").GetString()!,
            ActiveWrappers = d.GetProperty("active_wrappers").GetInt32(),
            HealthyWrappers = d.GetProperty("healthy_wrappers").GetInt32(),
            UnhealthyWrappers = d.GetProperty("unhealthy_wrappers").GetInt32(),
            HealthPercentage = Number(d, "health_percentage"),
            TotalOperations = d.GetProperty("total_operations").GetInt32(),
            ActiveOperations = d.GetProperty("active_operations").GetInt32(),
            OverallSuccessRate = Percent(d, "overall_success_rate"),
            ErrorCount = d.GetProperty("error_count").GetInt32(),
            OperationsPerMinute = d.GetProperty("operations_per_minute").GetDouble(),
            LastHealthCheck = Time(d, "last_health_check"),
            Wrappers = d.GetProperty("wrappers").EnumerateArray().Select(ReadWrapper).ToList(),
        };
    }

    /// <summary>Hourly buckets of one wrapper in <paramref name="slot"/> (the active slot when null), oldest first.</summary>
    public async Task<IReadOnlyList<WrapperMetricBucket>> GetMetricsAsync(string name, string? slot, int hours, CancellationToken cancellationToken)
    {
        var path = $"api/wrappers/{Uri.EscapeDataString(name)}/metrics?detail=true&hours={hours.ToString(CultureInfo.InvariantCulture)}"
            + (slot is null ? string.Empty : "&slot=" + Uri.EscapeDataString(slot));
        using var doc = await GetAsync(path, cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        var wrapper = root.GetProperty("wrapper_name").GetString()!;
        var actualSlot = root.GetProperty("slot").GetString()!;
        return root.GetProperty("data").EnumerateArray().Select(b => new WrapperMetricBucket
        {
            Wrapper = wrapper,
            Slot = actualSlot,
            Timestamp = b.GetProperty("timestamp").GetDateTimeOffset(),
            TotalOperations = b.GetProperty("total_operations").GetInt32(),
            SuccessCount = b.GetProperty("success_count").GetInt32(),
            ErrorCount = b.GetProperty("error_count").GetInt32(),
            FallbackCount = b.GetProperty("fallback_count").GetInt32(),
            SuccessRate = Percent(b, "success_rate"),
            ErrorRate = Percent(b, "error_rate"),
            FallbackRate = Percent(b, "fallback_rate"),
            AvgResponseTimeMs = Number(b, "avg_response_time"),
            P95Ms = Number(b, "p95_response_time"),
        }).ToList();
    }

    /// <summary>Alerts matching <paramref name="query"/>, newest first (an id matches in any state).</summary>
    public async Task<IReadOnlyList<HealthAlert>> GetAlertsAsync(AlertQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parts = new List<string> { "detail=true" };
        if (query.Id is { } id)
        {
            parts.Add("id=" + id.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            var states = query.States ?? [AlertState.Pending, AlertState.Firing, AlertState.Resolved];
            parts.Add("state=" + string.Join(",", states.Select(s => s.ToString().ToLowerInvariant())));
            if (query.Severity is { } severity)
            {
                parts.Add("severity=" + severity.ToString().ToLowerInvariant());
            }

            if (query.Wrapper is { } wrapper)
            {
                parts.Add("wrapper=" + Uri.EscapeDataString(wrapper));
            }

            parts.Add("limit=" + query.Limit.ToString(CultureInfo.InvariantCulture));
        }

        using var doc = await GetAsync("api/alerts?" + string.Join("&", parts), cancellationToken).ConfigureAwait(false);
        return doc.RootElement.GetProperty("data").EnumerateArray().Select(a => new HealthAlert
        {
            Id = a.GetProperty("id").GetInt64(),
            Rule = a.GetProperty("rule").GetString()!,
            Severity = Enum.Parse<AlertSeverity>(a.GetProperty("severity").GetString()!, ignoreCase: true),
            State = Enum.Parse<AlertState>(a.GetProperty("state").GetString()!, ignoreCase: true),
            Wrapper = a.GetProperty("wrapper_name").GetString()!,
            Slot = a.GetProperty("slot").GetString()!,
            Value = a.GetProperty("value").GetDouble(),
            Threshold = a.GetProperty("threshold").GetDouble(),
            Message = a.GetProperty("message").GetString()!,
            StartedAt = a.GetProperty("started_at").GetDateTimeOffset(),
            FiredAt = Time(a, "fired_at"),
            ResolvedAt = Time(a, "resolved_at"),
            ClearSince = Time(a, "clear_since"),
            AcknowledgedAt = Time(a, "acknowledged_at"),
            AcknowledgedBy = a.GetProperty("acknowledged_by").GetString(),
            Muted = a.GetProperty("muted").GetBoolean(),
        }).ToList();
    }

    public void Dispose() => _http.Dispose();

    private static WrapperHealth ReadWrapper(JsonElement w) => new()
    {
        Name = w.GetProperty("name").GetString()!,
        Slot = w.GetProperty("slot").GetString()!,
        Active = w.GetProperty("active").GetBoolean(),
        Status = Enum.Parse<HealthStatus>(w.GetProperty("status").GetString()!, ignoreCase: true),
        Message = w.GetProperty("message").GetString()!,
        Kind = Enum.Parse<WrapperKind>(w.GetProperty("kind").GetString()!, ignoreCase: true),
        Url = new Uri(w.GetProperty("url").GetString()!),
        Version = w.GetProperty("version").GetString(),
        HealthScore = Percent(w, "health_score"),
        SuccessRate = Percent(w, "success_rate"),
        ErrorRate = Percent(w, "error_rate"),
        FallbackRate = Percent(w, "fallback_rate"),
        TotalOperations = w.GetProperty("total_operations").GetInt32(),
        ErrorCount = w.GetProperty("error_count").GetInt32(),
        FallbackCount = w.GetProperty("fallback_count").GetInt32(),
        P50Ms = Number(w, "p50_ms"),
        P95Ms = Number(w, "p95_ms"),
        P99Ms = Number(w, "p99_ms"),
        AverageMs = Number(w, "average_ms"),
        LastActivity = Time(w, "last_activity"),
        LastCheck = Time(w, "last_check"),
        LastProbeAttempts = w.GetProperty("last_probe_attempts") is { ValueKind: JsonValueKind.Number } n ? n.GetInt32() : null,
        ConsecutiveProbeFailures = w.GetProperty("consecutive_probe_failures").GetInt32(),
        Window = TimeSpan.FromMinutes(w.GetProperty("window_minutes").GetDouble()),
    };

    private static double? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>The API's fraction back as the engine's percentage (the engine rounds rates to two decimals).</summary>
    private static double? Percent(JsonElement e, string name) => Number(e, name) is { } f ? Math.Round(f * 100, 2) : null;

    private static DateTimeOffset? Time(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetDateTimeOffset() : null;

    private async Task<JsonDocument> GetAsync(string relative, CancellationToken cancellationToken)
    {
        var uri = new Uri(_base, relative);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Add("X-Api-Key", _apiKey);
        request.Headers.Accept.ParseAdd("application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (FindInner<AuthenticationException>(ex) is not null)
        {
            throw new OpsApiException(OpsApiFailure.CertificateRejected, ServiceUri,
                $"The TLS certificate of {ServiceUri} is not trusted ({FindInner<AuthenticationException>(ex)!.Message}). Trust it on this machine, or pass -SkipCertificateCheck for a service you know.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new OpsApiException(OpsApiFailure.Unavailable, ServiceUri,
                $"The monitoring service at {ServiceUri} is unavailable: {ex.Message} Check that it runs (Get-OpsService on its host) and that the address and port are right.", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OpsApiException(OpsApiFailure.Unavailable, ServiceUri,
                $"The monitoring service at {ServiceUri} did not answer within {_http.Timeout.TotalSeconds:0} s.", ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                try
                {
                    return JsonDocument.Parse(body);
                }
                catch (JsonException ex)
                {
                    throw new OpsApiException(OpsApiFailure.Unavailable, ServiceUri,
                        $"{ServiceUri} answered {uri.AbsolutePath} with something that is not the monitoring service's JSON.", ex);
                }
            }

            var said = ErrorText(body);
            throw response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => new OpsApiException(OpsApiFailure.KeyRefused, ServiceUri,
                    $"The monitoring service at {ServiceUri} refused the API key. Pass the key from the service's api key file with -ApiKey, or set $env:ORCHESTRATOR_OPS_API_KEY.")
                { ServiceMessage = said },
                HttpStatusCode.NotFound => new OpsApiException(OpsApiFailure.NotFound, ServiceUri,
                    said ?? $"{ServiceUri} has no {uri.AbsolutePath}.") { ServiceMessage = said },
                HttpStatusCode.BadRequest => new OpsApiException(OpsApiFailure.BadRequest, ServiceUri,
                    said ?? $"{ServiceUri} refused the request {uri.PathAndQuery}.") { ServiceMessage = said },
                HttpStatusCode.TooManyRequests => new OpsApiException(OpsApiFailure.RateLimited, ServiceUri,
                    $"The monitoring service at {ServiceUri} is rate limiting this client{RetryText(response)}.")
                { ServiceMessage = said, RetryAfter = RetryAfter(response) },
                _ => new OpsApiException(OpsApiFailure.Unavailable, ServiceUri,
                    $"The monitoring service at {ServiceUri} answered {(int)response.StatusCode}{(said is null ? "." : ": " + said)}") { ServiceMessage = said },
            };
        }
    }

    private static string? ErrorText(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String
                ? e.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter is { } r
            ? r.Delta ?? (r.Date is { } d ? d - DateTimeOffset.UtcNow : null)
            : null;

    private static string RetryText(HttpResponseMessage response) =>
        RetryAfter(response) is { } wait ? $"; retry after {Math.Max(1, Math.Ceiling(wait.TotalSeconds)):0} s" : "; wait a minute and retry";

    private static T? FindInner<T>(Exception ex)
        where T : Exception
    {
        for (var e = ex.InnerException; e is not null; e = e.InnerException)
        {
            if (e is T t)
            {
                return t;
            }
        }

        return null;
    }
}
