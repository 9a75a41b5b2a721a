using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;

namespace Orchestrator.Ops.Core.Tests.Deployment;

/// <summary>
/// The gate's warm-up on its own, against a scripted HTTP handler and a fake clock that announces each timer set on
/// it: the retries wait 100 ms doubling up to 2 s on the engine's clock, stop at the first accepted answer, and say
/// what the last attempt saw.
/// </summary>
public sealed class SlotWarmupTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly WrapperDefinition Wrapper = new("routellm", WrapperKind.RouteLlm, "/health", "/v1/chat");
    private static readonly SlotDefinition Green = new("green", new Dictionary<string, Uri> { ["routellm"] = new("http://green.invalid:8101/") });
    private readonly WatchedClock _time = new();

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
        var delays = new List<TimeSpan>();
        for (var retry = 1; retry <= 6; retry++)
        {
            var due = await _time.NextTimerAsync();
            Assert.Equal(retry, handler.Requests);
            delays.Add(due);
            _time.Advance(due);
        }

        var r = await running.WaitAsync(Bound);
        Assert.Equal(new[] { 100, 200, 400, 800, 1600, 2000 }.Select(ms => TimeSpan.FromMilliseconds(ms)), delays);
        Assert.False(_time.SetAnotherTimer, "no delay after the last attempt");
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
        _time.Advance(await _time.NextTimerAsync());
        _time.Advance(await _time.NextTimerAsync());

        var r = await running.WaitAsync(Bound);
        Assert.True(r.Passed);
        Assert.Equal((3, 204), (r.Attempts, r.StatusCode));
        Assert.Equal("GET /ping answered 204", r.Detail);
        Assert.Equal(3, handler.Requests);
        Assert.False(_time.SetAnotherTimer, "no delay after the accepted answer");
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
            Assert.False(_time.SetAnotherTimer);
        }

        // The second attempt hangs past the attempt timeout (real time, 50 ms).
        using var handler = new Scripted(n => n == 1 ? HttpStatusCode.ServiceUnavailable : null);
        using var client = new HttpClient(handler);
        var running = new SlotWarmup(Settings(attempts: 2, timeoutSeconds: 0.05), client, _time).WarmUpAsync(Wrapper, Green, default);
        _time.Advance(await _time.NextTimerAsync());

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
        await _time.NextTimerAsync();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Bound));
        Assert.Equal(1, handler.Requests);
    }

    /// <summary>A fake clock that announces every timer set on it (here: a retry delay) with its due time.</summary>
    private sealed class WatchedClock() : FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 10, 15, 0, TimeSpan.Zero))
    {
        private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

        /// <summary>Whether a timer was set that no <see cref="NextTimerAsync"/> has taken yet.</summary>
        public bool SetAnotherTimer => _timers.Reader.TryPeek(out _);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _timers.Writer.TryWrite(dueTime);
            return timer;
        }

        /// <summary>Waits (real time, bounded) until the next timer is set, and returns its due time.</summary>
        public async Task<TimeSpan> NextTimerAsync()
        {
            using var bound = new CancellationTokenSource(Bound);
            return await _timers.Reader.ReadAsync(bound.Token);
        }
    }

    /// <summary>Answers the n-th request (1-based) with the script's status, or never when it says null.</summary>
    private sealed class Scripted(Func<int, HttpStatusCode?> script) : HttpMessageHandler
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public List<string> Urls { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _requests);
            lock (Urls)
            {
                Urls.Add(request.RequestUri!.AbsoluteUri);
            }

            var status = script(n);
            if (status is null)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return new HttpResponseMessage(status!.Value);
        }
    }
}
