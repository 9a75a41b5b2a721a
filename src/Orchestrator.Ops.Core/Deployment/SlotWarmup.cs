using System.Diagnostics;
using Orchestrator.Ops.Core.Configuration;
using Polly;
using Polly.Retry;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// The gate's warm-up of one wrapper in the target slot: GET deployment.warmupPath until it answers one of
/// deployment.warmupStatusCodes, at most deployment.warmupAttempts attempts. The retries go through a Polly pipeline
/// on the engine's clock, like the health probes (<see cref="Health.WrapperProber"/>): exponential, no jitter,
/// <see cref="FirstRetryDelay"/> doubling up to <see cref="MaxRetryDelay"/>. Each attempt gives up after
/// deployment.warmupTimeout of real time, as before the retries moved to Polly.
/// </summary>
internal sealed class SlotWarmup
{
    /// <summary>The delay before the first retry; each later one doubles, up to <see cref="MaxRetryDelay"/>.</summary>
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest delay between two attempts.</summary>
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    private readonly DeploymentSettings _settings;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<Attempt> _pipeline;

    public SlotWarmup(DeploymentSettings settings, HttpClient http, TimeProvider time)
    {
        _settings = settings;
        _http = http;
        var builder = new ResiliencePipelineBuilder<Attempt> { TimeProvider = time };
        if (settings.WarmupAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<Attempt>
            {
                MaxRetryAttempts = settings.WarmupAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = FirstRetryDelay,
                MaxDelay = MaxRetryDelay,
                ShouldHandle = new PredicateBuilder<Attempt>().HandleResult(a => !a.Passed),
            });
        }

        _pipeline = builder.Build();
    }

    /// <summary>Warms <paramref name="wrapper"/> up in <paramref name="slot"/>: a passed check on the first accepted answer, else the last failure.</summary>
    public async Task<GateResult> WarmUpAsync(WrapperDefinition wrapper, SlotDefinition slot, CancellationToken ct)
    {
        var url = new Uri(UrlOf(slot, wrapper));
        var attempts = 0;
        int? code = null;
        var clock = Stopwatch.StartNew();
        var last = _settings.WarmupAttempts < 1
            ? new Attempt(false, null, "not attempted")
            : await _pipeline.ExecuteAsync(
                async token =>
                {
                    attempts++;
                    var attempt = await AttemptAsync(url, ct, token).ConfigureAwait(false);
                    code = attempt.StatusCode ?? code;
                    return attempt;
                },
                ct).ConfigureAwait(false);
        return last.Passed
            ? new GateResult(wrapper.Name, slot.Name, "Warmup", true, attempts, code, clock.Elapsed.TotalMilliseconds, last.Detail)
            : new GateResult(wrapper.Name, slot.Name, "Warmup", false, attempts, code, clock.Elapsed.TotalMilliseconds, $"{last.Detail} (after {attempts} attempt(s))");
    }

    /// <summary>The warm-up URL of <paramref name="wrapper"/> in <paramref name="slot"/>: its base URL there and deployment.warmupPath.</summary>
    public string UrlOf(SlotDefinition slot, WrapperDefinition wrapper) => slot.UrlOf(wrapper.Name)!.AbsoluteUri.TrimEnd('/') + _settings.WarmupPath;

    /// <summary>One GET within deployment.warmupTimeout; a timeout or a network error is a failed attempt, the caller's cancellation is not.</summary>
    private async ValueTask<Attempt> AttemptAsync(Uri url, CancellationToken outer, CancellationToken ct)
    {
        var d = _settings;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(d.WarmupTimeout);
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return d.WarmupStatusCodes.Contains(code)
                ? new Attempt(true, code, $"GET {url.AbsolutePath} answered {code}")
                : new Attempt(false, code, $"GET {url.AbsolutePath} answered {code}, not one of {string.Join("/", d.WarmupStatusCodes)}");
        }
        catch (OperationCanceledException) when (!outer.IsCancellationRequested)
        {
            return new Attempt(false, null, $"GET {url.AbsolutePath} did not answer within {d.WarmupTimeout.TotalSeconds:0.##} s");
        }
        catch (HttpRequestException ex)
        {
            return new Attempt(false, null, $"GET {url.AbsolutePath} failed: {ex.Message}");
        }
    }

    /// <summary>How one attempt ended: accepted or not, the status code if one came, and what to say about it.</summary>
    private readonly record struct Attempt(bool Passed, int? StatusCode, string Detail);
}
