using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;

namespace Orchestrator.Ops.Core.Tests.Deployment;

/// <summary>
/// The gate's warm-up on its own, against a scripted HTTP handler and a fake clock: the Polly retries wait exactly
/// 100 ms doubling up to 2 s on the engine's clock, stop at the first accepted answer, and say what the last attempt saw.
/// </summary>
public sealed class SlotWarmupTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly WrapperDefinition Wrapper = new("routellm", WrapperKind.RouteLlm, "/health", "/v1/chat");
    private static readonly SlotDefinition Green = new("green", new Dictionary<string, Uri> { ["routellm"] = new("http://green.invalid:8101/") });
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 10, 15, 0, TimeSpan.Zero));

    private static DeploymentSettings Settings(int attempts, double timeoutSeconds = 5) => new()
    {
        RouterFile = "/nonexistent/active-slot",
        WarmupPath = "/ping",
        WarmupStatusCodes = [200, 204],
        WarmupAttempts = attempts,
        WarmupTimeout = TimeSpan.FromSeconds(timeoutSeconds),
    };

    [Fact]
    public async Task Retries_wait_100_ms_doubling_up_to_2_s_on_the_engines_clock_and_the_failure_names_the_last_answer()
    {
        using var handler = new Scripted(_ => HttpStatusCode.ServiceUnavailable);
        using var http = new HttpClient(handler);
        var warmup = new SlotWarmup(Settings(attempts: 7), http, _time);

        var running = warmup.WarmUpAsync(Wrapper, Green, default);

        int[] expectedMs = [100, 200, 400, 800, 1600, 2000];
        await handler.NextAsync();
        foreach (var ms in expectedMs)
        {
            // One tick short of the delay, no attempt is made; the tick brings it.
            _time.Advance(TimeSpan.FromMilliseconds(ms) - TimeSpan.FromTicks(1));
            Assert.False(await handler.HasNextWithinAsync(TimeSpan.FromMilliseconds(200)), $"an attempt came before the {ms} ms delay ended");
            _time.Advance(TimeSpan.FromTicks(1));
            await handler.NextAsync();
        }

        var r = await running.WaitAsync(Bound);
        Assert.False(r.Passed);
        Assert.Equal(("routellm", "green", "Warmup", 7, 503), (r.Wrapper, r.Slot, r.Check, r.Attempts, r.StatusCode));
        Assert.Equal("GET /ping answered 503, not one of 200/204 (after 7 attempt(s))", r.Detail);
        Assert.Equal(7, handler.Requests);
        Assert.All(handler.Urls, u => Assert.Equal("http://green.invalid:8101/ping", u));
    }

    [Fact]
    public async Task The_first_accepted_answer_passes_and_ends_the_retries()
    {
        using var handler = new Scripted(n => n < 3 ? HttpStatusCode.BadGateway : HttpStatusCode.NoContent);
        using var http = new HttpClient(handler);
        var warmup = new SlotWarmup(Settings(attempts: 5), http, _time);

        var running = warmup.WarmUpAsync(Wrapper, Green, default);
        await handler.NextAsync();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        await handler.NextAsync();
        _time.Advance(TimeSpan.FromMilliseconds(200));
        await handler.NextAsync();

        var r = await running.WaitAsync(Bound);
        Assert.True(r.Passed);
        Assert.Equal((3, 204), (r.Attempts, r.StatusCode));
        Assert.Equal("GET /ping answered 204", r.Detail);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(await handler.HasNextWithinAsync(TimeSpan.FromMilliseconds(200)), "no attempt after the accepted one");
    }

    [Fact]
    public async Task One_attempt_means_no_retry_and_a_timed_out_attempt_keeps_the_code_an_earlier_one_saw()
    {
        using (var once = new Scripted(_ => HttpStatusCode.InternalServerError))
        using (var http = new HttpClient(once))
        {
            var r = await new SlotWarmup(Settings(attempts: 1), http, _time).WarmUpAsync(Wrapper, Green, default).WaitAsync(Bound);
            Assert.Equal((false, 1, 500), (r.Passed, r.Attempts, r.StatusCode));
            Assert.Equal(1, once.Requests);
        }

        // The second attempt hangs past the (real-time) attempt timeout.
        using var handler = new Scripted(n => n == 1 ? HttpStatusCode.ServiceUnavailable : null);
        using var client = new HttpClient(handler);
        var running = new SlotWarmup(Settings(attempts: 2, timeoutSeconds: 0.05), client, _time).WarmUpAsync(Wrapper, Green, default);
        await handler.NextAsync();
        _time.Advance(TimeSpan.FromMilliseconds(100));

        var timedOut = await running.WaitAsync(Bound);
        Assert.Equal((false, 2, 503), (timedOut.Passed, timedOut.Attempts, timedOut.StatusCode));
        Assert.Equal("GET /ping did not answer within 0.05 s (after 2 attempt(s))", timedOut.Detail);
    }

    [Fact]
    public async Task Cancelling_during_a_retry_delay_stops_the_warm_up_with_the_cancellation()
    {
        using var handler = new Scripted(_ => HttpStatusCode.ServiceUnavailable);
        using var http = new HttpClient(handler);
        using var cts = new CancellationTokenSource();
        var running = new SlotWarmup(Settings(attempts: 5), http, _time).WarmUpAsync(Wrapper, Green, cts.Token);
        await handler.NextAsync();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Bound));
        Assert.Equal(1, handler.Requests);
    }

    /// <summary>Answers the n-th request (1-based) with the script's status, or never when it says null; each request is announced.</summary>
    private sealed class Scripted(Func<int, HttpStatusCode?> script) : HttpMessageHandler
    {
        private readonly Channel<int> _arrivals = Channel.CreateUnbounded<int>();
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public List<string> Urls { get; } = [];

        /// <summary>Waits (real time, bounded) for the next request.</summary>
        public async Task NextAsync()
        {
            using var bound = new CancellationTokenSource(Bound);
            await _arrivals.Reader.ReadAsync(bound.Token);
        }

        /// <summary>Whether a request arrives within <paramref name="wait"/> of real time.</summary>
        public async Task<bool> HasNextWithinAsync(TimeSpan wait)
        {
            using var bound = new CancellationTokenSource(wait);
            try
            {
                await _arrivals.Reader.ReadAsync(bound.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _requests);
            lock (Urls)
            {
                Urls.Add(request.RequestUri!.AbsoluteUri);
            }

            _arrivals.Writer.TryWrite(n);
            var status = script(n);
            if (status is null)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return new HttpResponseMessage(status!.Value);
        }
    }
}
