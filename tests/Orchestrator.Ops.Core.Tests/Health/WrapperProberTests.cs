using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Health;

[Collection("fleet")]
public sealed class WrapperProberTests : IClassFixture<FleetFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly FleetFixture _fleet;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };

    public WrapperProberTests(FleetFixture fleet) => _fleet = fleet;

    public Task InitializeAsync() => _fleet.ResetAsync();

    public Task DisposeAsync()
    {
        _http.Dispose();
        return Task.CompletedTask;
    }

    private static HealthCheckSettings Settings(int retries = 3, double timeoutSeconds = 10) => new()
    {
        Retries = retries,
        Timeout = TimeSpan.FromSeconds(timeoutSeconds),
        RetryDelay = TimeSpan.Zero,
    };

    private ProbeTarget Target(string wrapper = "routellm", string slot = "blue") => new(wrapper, slot, _fleet.HealthUrl(wrapper, slot));

    [Fact]
    public async Task A_healthy_wrapper_passes_in_one_attempt_and_reports_its_version()
    {
        var prober = new WrapperProber(_http, Settings(), TimeProvider.System);

        var r = await prober.ProbeAsync(Target(slot: "green"), default).WaitAsync(Bound);

        Assert.Equal(OperationStatus.Success, r.Status);
        Assert.Equal(1, r.Attempts);
        Assert.Equal(200, r.StatusCode);
        Assert.Equal("1.1.0", r.Version);
        Assert.Null(r.ErrorMessage);
        Assert.Equal(OperationSource.Probe, r.Source);
    }

    [Fact]
    public async Task A_wrapper_returning_500s_is_retried_and_every_attempt_recorded()
    {
        await _fleet.Fleet.UpdateAsync("poml", "blue", s => s with { ErrorRate = 1 });
        var prober = new WrapperProber(_http, Settings(retries: 3), TimeProvider.System);

        var r = await prober.ProbeAsync(Target("poml"), default).WaitAsync(Bound);

        Assert.Equal(OperationStatus.Error, r.Status);
        Assert.Equal(4, r.Attempts);
        Assert.All(r.AttemptDetails, a => Assert.Equal((ProbeAttemptOutcome.HttpError, 500), (a.Outcome, a.StatusCode)));
        Assert.Equal([1, 2, 3, 4], r.AttemptDetails.Select(a => a.Number));
        Assert.Equal("HttpError", r.ErrorCode);
        Assert.Contains("HTTP 500", r.ErrorMessage);
        Assert.Contains("after 4 attempts", r.ErrorMessage);
    }

    [Fact]
    public async Task A_success_after_retries_is_visible_as_such()
    {
        using var handler = new FailFirst(2, new SocketsHttpHandler { UseProxy = false });
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var prober = new WrapperProber(http, Settings(), TimeProvider.System);

        var r = await prober.ProbeAsync(Target(), default).WaitAsync(Bound);

        Assert.Equal(OperationStatus.Success, r.Status);
        Assert.Equal(3, r.Attempts);
        Assert.Equal([ProbeAttemptOutcome.HttpError, ProbeAttemptOutcome.HttpError, ProbeAttemptOutcome.Success], r.AttemptDetails.Select(a => a.Outcome));
        Assert.Equal(503, r.AttemptDetails[0].StatusCode);
    }

    [Fact]
    public async Task A_refused_connection_is_named_as_such()
    {
        var prober = new WrapperProber(_http, Settings(retries: 1), TimeProvider.System);
        var port = LoopbackPort.Free();

        var r = await prober.ProbeAsync(new ProbeTarget("external-tools", "green", new Uri($"http://127.0.0.1:{port}/health")), default).WaitAsync(Bound);

        Assert.Equal(OperationStatus.Error, r.Status);
        Assert.Equal(2, r.Attempts);
        Assert.All(r.AttemptDetails, a => Assert.Equal(ProbeAttemptOutcome.ConnectionRefused, a.Outcome));
        Assert.Equal("ConnectionRefused", r.ErrorCode);
    }

    [Fact]
    public async Task A_wrapper_that_went_down_refuses_and_one_that_came_back_passes()
    {
        var prober = new WrapperProber(_http, Settings(retries: 0), TimeProvider.System);
        await _fleet.Fleet.UpdateAsync("routellm", "green", s => s with { Down = true });

        var down = await prober.ProbeAsync(Target(slot: "green"), default).WaitAsync(Bound);
        await _fleet.Fleet.UpdateAsync("routellm", "green", s => s with { Down = false });
        var up = await prober.ProbeAsync(Target(slot: "green"), default).WaitAsync(Bound);

        Assert.Equal(ProbeAttemptOutcome.ConnectionRefused, Assert.Single(down.AttemptDetails).Outcome);
        Assert.Equal(OperationStatus.Success, up.Status);
    }

    [Fact]
    public async Task A_hanging_wrapper_times_out_on_every_attempt_under_fake_time()
    {
        await _fleet.Fleet.UpdateAsync("external-tools", "blue", s => s with { Hang = true });
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var prober = new WrapperProber(_http, Settings(retries: 2, timeoutSeconds: 10), time);

        var probe = prober.ProbeAsync(Target("external-tools"), default);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            // Advance the clock only once the attempt has really reached the wrapper.
            await _fleet.WaitForRequestsAsync("external-tools", "blue", attempt).WaitAsync(Bound);
            Assert.False(probe.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(10));
        }

        var r = await probe.WaitAsync(Bound);
        Assert.Equal(OperationStatus.Timeout, r.Status);
        Assert.Equal(3, r.Attempts);
        Assert.All(r.AttemptDetails, a => Assert.Equal((ProbeAttemptOutcome.Timeout, 10_000d), (a.Outcome, a.DurationMs)));
        Assert.Equal(30_000, r.DurationMs);
        Assert.Contains("no answer within 10 s", r.ErrorMessage);
    }

    [Fact]
    public async Task A_slow_wrapper_is_measured()
    {
        await _fleet.Fleet.UpdateAsync("poml", "green", s => s with { LatencyMs = 400, LatencyJitterMs = 0 });
        var prober = new WrapperProber(_http, Settings(), TimeProvider.System);

        var r = await prober.ProbeAsync(Target("poml", "green"), default).WaitAsync(Bound);

        Assert.Equal(OperationStatus.Success, r.Status);
        Assert.True(r.DurationMs >= 350, $"measured {r.DurationMs} ms for a 400 ms wrapper");
    }

    [Fact]
    public async Task A_flapping_wrapper_alternates_between_pass_and_fail()
    {
        var prober = new WrapperProber(_http, Settings(retries: 0), TimeProvider.System);
        var outcomes = new List<OperationStatus>();
        for (var i = 0; i < 4; i++)
        {
            await _fleet.Fleet.UpdateAsync("routellm", "blue", s => s with { Down = i % 2 == 1 });
            outcomes.Add((await prober.ProbeAsync(Target(), default).WaitAsync(Bound)).Status);
        }

        Assert.Equal([OperationStatus.Success, OperationStatus.Error, OperationStatus.Success, OperationStatus.Error], outcomes);
    }

    [Fact]
    public async Task One_hanging_wrapper_does_not_delay_the_others()
    {
        await _fleet.Fleet.UpdateAsync("external-tools", "green", s => s with { Hang = true });
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var prober = new WrapperProber(_http, Settings(retries: 0), time);
        var targets = _fleet.Fleet.Instances.Select(i => new ProbeTarget(i.Wrapper, i.Slot, new Uri(i.BaseUrl + "/health"))).ToList();
        var reporter = new RecordingReporter();

        var round = prober.ProbeAllAsync(targets, reporter, default);
        await reporter.WaitForCompletedProbes(5).WaitAsync(Bound);

        // Five answered while the sixth still hangs: the fan-out did not wait for it.
        Assert.False(round.IsCompleted);
        await _fleet.WaitForRequestsAsync("external-tools", "green", 1).WaitAsync(Bound);
        time.Advance(TimeSpan.FromSeconds(10));
        var results = await round.WaitAsync(Bound);

        Assert.Equal(targets.Select(t => (t.Wrapper, t.Slot)), results.Select(r => (r.Wrapper, r.Slot)));
        Assert.Equal(OperationStatus.Timeout, results.Single(r => r.Wrapper == "external-tools" && r.Slot == "green").Status);
        Assert.Equal(5, results.Count(r => r.Status == OperationStatus.Success));
        Assert.Contains(reporter.Progress, p => p.Completed);
    }

    [Fact]
    public async Task Cancelling_stops_a_hanging_probe_at_once()
    {
        await _fleet.Fleet.UpdateAsync("poml", "blue", s => s with { Hang = true });
        var prober = new WrapperProber(_http, Settings(), TimeProvider.System);
        using var cts = new CancellationTokenSource();

        var probe = prober.ProbeAsync(Target("poml"), cts.Token);
        await _fleet.WaitForRequestsAsync("poml", "blue", 1).WaitAsync(Bound);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probe.WaitAsync(Bound));
    }

    /// <summary>Answers the first requests with 503 itself, then passes requests to the real wrapper.</summary>
    private sealed class FailFirst(int failures, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _left = failures;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Interlocked.Decrement(ref _left) >= 0
                ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable))
                : base.SendAsync(request, cancellationToken);
    }
}
