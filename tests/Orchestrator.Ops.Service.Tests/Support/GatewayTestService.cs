using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Service.Gateway;

namespace Orchestrator.Ops.Service.Tests.Support;

/// <summary>
/// The service on real Kestrel (the in-memory server has one endpoint; the gateway needs its own port), both ports
/// chosen by the system, on the system clock: the gateway's refresh and publish timers run for real, bounded by the tests.
/// </summary>
public sealed class GatewayTestService : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly List<TrafficAggregate> _written = [];
    private readonly SemaphoreSlim _writtenSignal = new(0);
    private bool _stopped;

    private GatewayTestService(TempFolder dir, OpsConfig config, WebApplication app)
    {
        Dir = dir;
        Config = config;
        App = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        GatewayUrl = addresses.Single(a => a.Scheme == "http");
        ApiUrl = addresses.Single(a => a.Scheme == "https");
        Gateway = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = GatewayUrl, Timeout = Bound };

        // The test trusts the service's own self-signed certificate on loopback.
        Api = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        }) { BaseAddress = ApiUrl, Timeout = Bound };
        Api.DefaultRequestHeaders.Add("X-Api-Key", File.ReadAllText(config.Service.ApiKeyPath).Trim());
        Recorder.Written += batch =>
        {
            lock (_written)
            {
                _written.AddRange(batch);
            }

            _writtenSignal.Release();
        };
    }

    public TempFolder Dir { get; }

    public OpsConfig Config { get; }

    public WebApplication App { get; }

    public Uri GatewayUrl { get; }

    public Uri ApiUrl { get; }

    public HttpClient Gateway { get; }

    public HttpClient Api { get; }

    public IStateStore Store => App.Services.GetRequiredService<OpsEngine>().Store;

    internal TrafficGateway Traffic => App.Services.GetRequiredService<TrafficGateway>();

    internal TrafficRecorder Recorder => App.Services.GetRequiredService<TrafficRecorder>();

    internal ActiveSlotCache Slots => App.Services.GetRequiredService<ActiveSlotCache>();

    internal InFlightPublisher Publisher => App.Services.GetRequiredService<InFlightPublisher>();

    public static async Task<GatewayTestService> StartAsync(FleetFixture fleet, TimeSpan? flushInterval = null, string extra = "")
    {
        var dir = new TempFolder();
        try
        {
            var config = OpsConfigLoader.Load(dir.Write("ops.json", fleet.ConfigText(extra)));
            var app = await ServiceHost.BuildAsync(config, new ServiceHostOptions
            {
                ApiPort = 0,
                GatewayPort = 0,
                RunMonitor = false,
                TrafficFlushInterval = flushInterval,
            });
            await app.StartAsync();
            return new GatewayTestService(dir, config, app);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>The traffic aggregates written so far (as the recorder reported them), one per wrapper, slot and second.</summary>
    public IReadOnlyList<TrafficAggregate> Written
    {
        get
        {
            lock (_written)
            {
                return [.. _written];
            }
        }
    }

    /// <summary>Requests counted in the aggregates written so far (cancelled ones included).</summary>
    public long WrittenRequests => Written.Sum(a => a.Requests);

    /// <summary>
    /// Completes once the aggregates written to the store count at least <paramref name="requests"/> requests; returns
    /// what was written, merged per wrapper and slot, ordered by wrapper then slot.
    /// </summary>
    public async Task<IReadOnlyList<TrafficAggregate>> WaitForTrafficAsync(long requests)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (WrittenRequests < requests)
        {
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero && await _writtenSignal.WaitAsync(left), $"only {WrittenRequests} of {requests} requests were written");
        }

        return PerPair(Written);
    }

    /// <summary>The traffic in the store over the last and next hour, one aggregate per wrapper and slot, ordered by wrapper then slot.</summary>
    public async Task<IReadOnlyList<TrafficAggregate>> StoredTrafficAsync()
    {
        var now = DateTimeOffset.UtcNow;
        return PerPair(await Store.Health.GetTrafficAsync(new TrafficQuery(now.AddHours(-1), now.AddHours(1)), default));
    }

    private static List<TrafficAggregate> PerPair(IEnumerable<TrafficAggregate> aggregates)
    {
        var merged = new SortedDictionary<(string, string), TrafficAggregate>();
        foreach (var a in aggregates)
        {
            if (!merged.TryGetValue((a.Wrapper, a.Slot), out var m))
            {
                merged[(a.Wrapper, a.Slot)] = m = new TrafficAggregate(a.Wrapper, a.Slot, a.BucketStart);
            }

            m.Add(a);
        }

        return [.. merged.Values];
    }

    /// <summary>Holds an exclusive transaction on the store's file (a second process holding the lock).</summary>
    public Task<SqliteConnection> LockStoreAsync() => OpsRootFiles.LockStoreAsync(Config);

    public string[] LogLines(string file) => OpsRootFiles.LogLines(Config, file);

    /// <summary>Stops the service gracefully (the engine stays open until disposal, so the store can still be read).</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        await App.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Gateway.Dispose();
        Api.Dispose();
        if (!_stopped)
        {
            await App.StopAsync();
        }

        await App.DisposeAsync();
        _writtenSignal.Dispose();
        Dir.Dispose();
    }
}
