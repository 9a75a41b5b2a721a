using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Ops.Core.LogWriting;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Serilog;

namespace Orchestrator.Ops.Core.Alerts;

/// <summary>POSTs each transition as JSON to every configured webhook, retrying failures with backoff.</summary>
public sealed class WebhookNotifier : IAlertNotifier
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;
    private readonly IReadOnlyList<Uri> _webhooks;
    private readonly ILogger _log;
    private readonly ResiliencePipeline _pipeline;

    public WebhookNotifier(HttpClient http, IReadOnlyList<Uri> webhooks, TimeProvider time, ILogger log, TimeSpan? retryDelay = null)
    {
        _http = http;
        _webhooks = webhooks;
        _log = log.ForCategory("alerts");
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retryDelay ?? TimeSpan.FromSeconds(1),
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutRejectedException>(),
            })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .Build();
    }

    public async Task NotifyAsync(IReadOnlyList<AlertTransition> transitions, CancellationToken cancellationToken)
    {
        foreach (var t in transitions)
        {
            foreach (var hook in _webhooks)
            {
                var attempts = 0;
                try
                {
                    await _pipeline.ExecuteAsync(async ct =>
                    {
                        attempts++;
                        using var response = await _http.PostAsJsonAsync(hook, Payload(t), Json, ct).ConfigureAwait(false);
                        if (!response.IsSuccessStatusCode)
                        {
                            throw new HttpRequestException($"the webhook answered {(int)response.StatusCode}", null, response.StatusCode);
                        }
                    }, cancellationToken).ConfigureAwait(false);
                    _log.Information("webhook {Webhook} notified: {Rule} {Wrapper}/{Slot} {To} after {Attempts} attempt(s)",
                        hook.GetLeftPart(UriPartial.Path), t.Alert.Rule, t.Alert.Wrapper, t.Alert.Slot, t.To.ToString(), attempts);
                }
                catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException)
                {
                    _log.Error("WebhookFailed webhook {Webhook} not notified of {Rule} {Wrapper}/{Slot} {To} after {Attempts} attempt(s): {Reason}",
                        hook.GetLeftPart(UriPartial.Path), t.Alert.Rule, t.Alert.Wrapper, t.Alert.Slot, t.To.ToString(), attempts, ex.Message);
                }
            }
        }
    }

    private static object Payload(AlertTransition t) => new
    {
        transition = t.To.ToString().ToLowerInvariant(),
        previous = t.From.ToString().ToLowerInvariant(),
        alert = new
        {
            id = t.Alert.Id,
            rule = t.Alert.Rule,
            severity = t.Alert.Severity.ToString().ToLowerInvariant(),
            state = t.Alert.State.ToString().ToLowerInvariant(),
            wrapper = t.Alert.Wrapper,
            slot = t.Alert.Slot,
            value = t.Alert.Value,
            threshold = t.Alert.Threshold,
            message = t.Alert.Message,
            started_at = t.Alert.StartedAt,
            fired_at = t.Alert.FiredAt,
            resolved_at = t.Alert.ResolvedAt,
        },
    };
}
