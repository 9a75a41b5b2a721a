using System.Net.Sockets;
using System.Text.Json;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Orchestrator.Ops.Core.Health;

/// <summary>
/// Probes wrapper health endpoints: a per-attempt timeout inside jittered retries (Polly), every attempt
/// recorded, all targets at once under a bound so one hanging wrapper never delays the others.
/// </summary>
public sealed class WrapperProber
{
    private const int MaxBodyBytes = 64 * 1024;
    private static readonly string[] HealthyWords = ["healthy", "ok", "up", "pass", "passing"];

    private readonly HttpClient _http;
    private readonly HealthCheckSettings _settings;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _pipeline;

    public WrapperProber(HttpClient http, HealthCheckSettings settings, TimeProvider time)
    {
        _http = http;
        _settings = settings;
        _time = time;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (settings.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.Retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryDelay,
                ShouldHandle = new PredicateBuilder().Handle<AttemptFailedException>(),
            });
        }

        _pipeline = builder.AddTimeout(settings.Timeout).Build();
    }

    /// <summary>Probes every target, at most <see cref="HealthCheckSettings.MaxParallelism"/> at once. Results keep the targets' order.</summary>
    public async Task<IReadOnlyList<OperationRecord>> ProbeAllAsync(IReadOnlyList<ProbeTarget> targets, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var results = new OperationRecord[targets.Count];
        using var gate = new SemaphoreSlim(Math.Max(1, _settings.MaxParallelism));
        var done = 0;
        const int activity = 1;
        reporter.Progress(new OpsProgress(activity, "Probing wrappers", $"0 of {targets.Count}", 0));

        async Task One(int i)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                results[i] = await ProbeAsync(targets[i], cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }

            var n = Interlocked.Increment(ref done);
            var r = results[i];
            reporter.Progress(new OpsProgress(activity, "Probing wrappers",
                $"{n} of {targets.Count} — {r.Wrapper}/{r.Slot}: {r.Status}", targets.Count == 0 ? 100 : n * 100 / targets.Count));
            reporter.Verbose($"Probe {r.Wrapper}/{r.Slot}: {r.Status} after {r.Attempts} attempt(s), {r.DurationMs:0} ms{(r.ErrorMessage is null ? string.Empty : $" — {r.ErrorMessage}")}");
        }

        try
        {
            await Task.WhenAll(Enumerable.Range(0, targets.Count).Select(One)).ConfigureAwait(false);
        }
        finally
        {
            reporter.Progress(new OpsProgress(activity, "Probing wrappers", "done", 100, Completed: true));
        }

        return results;
    }

    /// <summary>Probes one target through the retry and timeout pipeline.</summary>
    public async Task<OperationRecord> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        var attempts = new List<ProbeAttempt>();
        var startedAt = _time.GetUtcNow();
        var start = _time.GetTimestamp();
        string? version = null;
        try
        {
            version = await _pipeline.ExecuteAsync(
                async ct => await AttemptAsync(target, attempts, cancellationToken, ct).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (AttemptFailedException)
        {
            // Recorded in attempts; the last one says why.
        }
        catch (TimeoutRejectedException)
        {
            // The attempt recorded itself as a timeout before the strategy rejected it.
        }

        var elapsed = _time.GetElapsedTime(start).TotalMilliseconds;
        var last = attempts.Count > 0 ? attempts[^1] : null;
        var success = last?.Outcome == ProbeAttemptOutcome.Success;
        return new OperationRecord
        {
            Wrapper = target.Wrapper,
            Slot = target.Slot,
            Source = OperationSource.Probe,
            OperationType = "health",
            StartedAt = startedAt,
            EndedAt = startedAt.AddMilliseconds(elapsed),
            DurationMs = Math.Round(elapsed, 2),
            Status = success ? OperationStatus.Success
                : last?.Outcome == ProbeAttemptOutcome.Timeout ? OperationStatus.Timeout
                : OperationStatus.Error,
            StatusCode = last?.StatusCode,
            ErrorMessage = success ? null : Describe(attempts),
            ErrorCode = success ? null : last?.Outcome.ToString() ?? "NoAttempt",
            Attempts = attempts.Count,
            Version = version,
            AttemptDetails = attempts,
        };
    }

    private async ValueTask<string?> AttemptAsync(ProbeTarget target, List<ProbeAttempt> attempts, CancellationToken outer, CancellationToken ct)
    {
        var number = attempts.Count + 1;
        var startedAt = _time.GetUtcNow();
        var start = _time.GetTimestamp();

        ProbeAttempt Record(ProbeAttemptOutcome outcome, int? code, string? error)
        {
            var a = new ProbeAttempt(number, startedAt, Math.Round(_time.GetElapsedTime(start).TotalMilliseconds, 2), outcome, code, error);
            lock (attempts)
            {
                attempts.Add(a);
            }

            return a;
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target.HealthUrl);
            if (target.Credential is { } credential)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", credential.RevealString());
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            var (status, version) = await ReadBodyAsync(response, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Record(ProbeAttemptOutcome.HttpError, code, $"HTTP {code} {response.ReasonPhrase}".TrimEnd());
                throw new AttemptFailedException();
            }

            if (status is not null && !HealthyWords.Contains(status, StringComparer.OrdinalIgnoreCase))
            {
                Record(ProbeAttemptOutcome.HttpError, code, $"reports status '{status}'");
                throw new AttemptFailedException();
            }

            Record(ProbeAttemptOutcome.Success, code, null);
            return version;
        }
        catch (OperationCanceledException) when (!outer.IsCancellationRequested)
        {
            Record(ProbeAttemptOutcome.Timeout, null, $"no answer within {_settings.Timeout.TotalSeconds:0.###} s");
            throw new AttemptFailedException();
        }
        catch (HttpRequestException ex)
        {
            var refused = ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
            Record(refused ? ProbeAttemptOutcome.ConnectionRefused : ProbeAttemptOutcome.NetworkError, null,
                refused ? "connection refused" : ex.Message);
            throw new AttemptFailedException();
        }
    }

    private static async Task<(string? Status, string? Version)> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var media = response.Content.Headers.ContentType?.MediaType;
        if (media is null || !media.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, null);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[MaxBodyBytes];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct).ConfigureAwait(false)) > 0)
        {
            read += n;
        }

        try
        {
            using var doc = JsonDocument.Parse(buffer.AsMemory(0, read));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            string? Str(string name) =>
                doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return (Str("status"), Str("version"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string Describe(IReadOnlyList<ProbeAttempt> attempts)
    {
        if (attempts.Count == 0)
        {
            return "no attempt was made";
        }

        var last = attempts[^1];
        return attempts.Count == 1
            ? $"{last.Error}"
            : $"{last.Error} (after {attempts.Count} attempts: {string.Join(", ", attempts.Select(a => a.Outcome))})";
    }

    /// <summary>Marks an attempt that failed and was recorded; the retry strategy handles only this.</summary>
    private sealed class AttemptFailedException : Exception
    {
    }
}
