using System.Globalization;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Core.Tests.Deployment;

/// <summary>
/// The nginx router against a real nginx on loopback in front of the sandbox fleet: blue and green report different
/// versions, nginx starts routing to blue, and each test switches (or fails to switch) to green.
/// </summary>
[Collection("fleet")]
public sealed class NginxTrafficRouterTests : IClassFixture<FleetFixture>, IAsyncLifetime
{
    private const string BlueVersion = "1.0.0-blue";
    private const string GreenVersion = "2.0.0-green";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly FleetFixture _fleet;
    private readonly TempFolder _dir = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private OpsConfig _config = null!;
    private IStateStore _store = null!;
    private LoopbackNginx _nginx = null!;
    private byte[] _initial = [];

    public NginxTrafficRouterTests(FleetFixture fleet) => _fleet = fleet;

    private IEnumerable<string> WrapperNames => _config.Wrappers.Select(w => w.Name);

    public async Task InitializeAsync()
    {
        _ = LoopbackNginx.Executable; // fails every test clearly when nginx is missing
        await _fleet.ResetAsync();
        await _fleet.Fleet.UpdateAsync("*", "blue", s => s with { Version = BlueVersion });
        await _fleet.Fleet.UpdateAsync("*", "green", s => s with { Version = GreenVersion });

        _config = Load(verifyBaseUrl: "http://127.0.0.1:9/");
        _store = await StateStoreFactory.OpenAsync(_config.Store, TimeProvider.System, default);

        // A hand-written line after the rendered upstreams: a restore must give back these exact bytes, not a re-render.
        var initial = NginxTrafficRouter.Render(_config.FindSlot("blue")!, _config.Wrappers, null, DateTimeOffset.UnixEpoch)
                      + "# kept by hand: restores must not drop this line";
        _nginx = await LoopbackNginx.StartAsync(_dir.File("nginx"), WrapperNames, initial);
        _initial = File.ReadAllBytes(_nginx.UpstreamFile);
        foreach (var w in WrapperNames)
        {
            await _nginx.WaitForVersionAsync(w, BlueVersion);
        }
    }

    public async Task DisposeAsync()
    {
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        _http.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Switching_blue_to_green_proves_green_through_nginx_and_the_file_names_green()
    {
        var router = Router();
        Assert.Equal(RouterKind.Nginx, router.Kind);
        Assert.Equal("blue", await router.GetRoutedSlotAsync(default));
        var logged = File.ReadAllLines(_nginx.AccessLog).Length;

        var outcome = await router.SwitchAsync(BlueToGreen(), default).WaitAsync(Bound);

        // The proof went through nginx: nothing else asked nginx anything during the switch.
        var proof = File.ReadAllLines(_nginx.AccessLog).Skip(logged).ToList();
        Assert.All(WrapperNames, w => Assert.True(proof.Count(l => l.Contains($"\"GET /{w}/health HTTP/1.1\" 200 ", StringComparison.Ordinal)) >= 3,
            $"{w}: expected at least 3 proof requests through nginx in:\n{string.Join('\n', proof)}"));

        Assert.Equal("nginx", outcome.Router);
        Assert.Contains($"routellm {GreenVersion}", outcome.Detail);
        Assert.Contains($"external-tools {GreenVersion}", outcome.Detail);
        Assert.DoesNotContain("weak", outcome.Detail);
        Assert.Equal("green", await router.GetRoutedSlotAsync(default));
        foreach (var w in WrapperNames)
        {
            // Three answers in a row: the old workers no longer take new connections.
            var (version, detail) = await _nginx.VersionThroughAsync(w);
            Assert.True(version == GreenVersion, $"{w} through nginx: {version} ({detail})");
        }

        var text = File.ReadAllText(_nginx.UpstreamFile);
        foreach (var i in _fleet.Fleet.Instances.Where(i => i.Slot == "green"))
        {
            var url = new Uri(i.BaseUrl);
            Assert.Contains($"upstream {NginxTrafficRouter.UpstreamName(i.Wrapper)} {{\n    server {url.Host}:{url.Port};\n    keepalive 16;\n}}", text);
        }

        Assert.DoesNotContain(_fleet.Fleet.Instances.Where(i => i.Slot == "blue"), i => text.Contains(new Uri(i.BaseUrl).Authority, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_version_in_both_slots_is_switched_but_the_proof_is_reported_weak()
    {
        await _fleet.Fleet.UpdateAsync("poml", "green", s => s with { Version = BlueVersion });

        var outcome = await Router().SwitchAsync(BlueToGreen(), default).WaitAsync(Bound);

        Assert.Contains("(weak for poml: 'blue' reports the same version", outcome.Detail);
    }

    [Fact]
    public async Task A_configuration_nginx_rejects_puts_the_previous_file_back_byte_for_byte_and_reports_nginx_error()
    {
        // Broken after nginx started: the running nginx keeps serving, but nginx -t now fails.
        File.AppendAllText(_nginx.ConfigFile, "\nthis_is_not_a_directive on;\n");
        var router = Router();

        var ex = await Assert.ThrowsAsync<DeploymentException>(() => router.SwitchAsync(BlueToGreen(), default).WaitAsync(Bound));

        Assert.Equal(DeploymentFailure.RouterFailed, ex.Failure);
        Assert.Equal("green", ex.Target);
        Assert.Contains("nginx rejected the configuration", ex.Message);
        Assert.Contains("unknown directive \"this_is_not_a_directive\"", ex.Message);
        Assert.Contains("previous upstream file was restored; nginx was not reloaded", ex.Message);
        Assert.Equal(_initial, File.ReadAllBytes(_nginx.UpstreamFile));
        Assert.Equal("blue", await router.GetRoutedSlotAsync(default));
        foreach (var w in WrapperNames)
        {
            Assert.Equal(BlueVersion, (await _nginx.VersionThroughAsync(w)).Version);
        }
    }

    [Fact]
    public async Task A_proof_that_fails_after_the_reload_puts_the_file_back_and_nginx_routes_to_blue_again()
    {
        // Nothing listens at the verification address, so the switch cannot be proven once nginx routes to green.
        var dead = $"http://127.0.0.1:{LoopbackPort.Free().ToString(CultureInfo.InvariantCulture)}/";
        var router = Router(verifyBaseUrl: dead, timeoutSeconds: 2);

        var ex = await Assert.ThrowsAsync<DeploymentException>(() => router.SwitchAsync(BlueToGreen(), default).WaitAsync(Bound));

        Assert.Equal(DeploymentFailure.RouterFailed, ex.Failure);
        Assert.Contains("nginx was reloaded but did not prove the switch to 'green'", ex.Message);
        Assert.Contains($"{dead}routellm/health did not answer version {GreenVersion}", ex.Message);
        Assert.Contains("previous upstream file was restored and nginx was tested and reloaded with it", ex.Message);
        Assert.Equal(_initial, File.ReadAllBytes(_nginx.UpstreamFile));
        Assert.Equal("blue", await router.GetRoutedSlotAsync(default));

        // nginx had loaded green; only the restore's reload brings blue back.
        foreach (var w in WrapperNames)
        {
            await _nginx.WaitForVersionAsync(w, BlueVersion);
        }
    }

    [Fact]
    public async Task A_new_slot_that_is_down_is_refused_before_the_file_or_nginx_is_touched()
    {
        await _fleet.Fleet.UpdateAsync("poml", "green", s => s with { Down = true });
        var router = Router();

        var ex = await Assert.ThrowsAsync<DeploymentException>(() => router.SwitchAsync(BlueToGreen(), default).WaitAsync(Bound));

        Assert.Equal(DeploymentFailure.RouterFailed, ex.Failure);
        Assert.Contains("Slot 'green' could not prove its version", ex.Message);
        Assert.Contains("poml (", ex.Message);
        Assert.DoesNotContain("routellm (", ex.Message);
        Assert.Contains("Nothing was changed", ex.Message);
        Assert.Equal(_initial, File.ReadAllBytes(_nginx.UpstreamFile));
        foreach (var w in WrapperNames)
        {
            Assert.Equal(BlueVersion, (await _nginx.VersionThroughAsync(w)).Version);
        }
    }

    [Fact]
    public async Task Cancelling_during_the_proof_puts_the_previous_routing_back()
    {
        using var cts = new CancellationTokenSource();
        var verify = _nginx.BaseUrl.Authority;
        // Cancel at the first request through nginx: the file has changed and nginx has been reloaded by then.
        using var http = new HttpClient(new CancelOnFirst(cts, uri => uri.Authority == verify, new SocketsHttpHandler { UseProxy = false }))
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var router = Router(http: http);

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => router.SwitchAsync(BlueToGreen(), cts.Token).WaitAsync(Bound));

        Assert.Contains("was cancelled. The previous upstream file was restored and nginx was tested and reloaded with it", ex.Message);
        Assert.Equal(_initial, File.ReadAllBytes(_nginx.UpstreamFile));
        foreach (var w in WrapperNames)
        {
            await _nginx.WaitForVersionAsync(w, BlueVersion);
        }
    }

    [Fact]
    public async Task An_nginx_that_cannot_be_run_leaves_the_previous_file()
    {
        var router = Router(executable: Path.Combine(_dir.Path, "no-such-nginx"));

        var ex = await Assert.ThrowsAsync<DeploymentException>(() => router.SwitchAsync(BlueToGreen(), default).WaitAsync(Bound));

        Assert.Equal(DeploymentFailure.RouterFailed, ex.Failure);
        Assert.Contains($"Could not run '{Path.Combine(_dir.Path, "no-such-nginx")} -t -c", ex.Message);
        Assert.Contains("previous upstream file was restored", ex.Message);
        Assert.Equal(_initial, File.ReadAllBytes(_nginx.UpstreamFile));
    }

    private RouterSwitchRequest BlueToGreen() =>
        new(_config.FindSlot("blue")!, _config.FindSlot("green")!, _config.Wrappers);

    private ITrafficRouter Router(string? verifyBaseUrl = null, string? executable = null, double timeoutSeconds = 10, HttpClient? http = null) =>
        TrafficRouterFactory.Create(Load(verifyBaseUrl ?? _nginx.BaseUrl.AbsoluteUri, executable, timeoutSeconds), _store, http ?? _http, TimeProvider.System);

    /// <summary>The fleet's configuration with the nginx router; paths relative to the ops root, as a user would write them.</summary>
    private OpsConfig Load(string verifyBaseUrl, string? executable = null, double timeoutSeconds = 10)
    {
        var exe = executable is null ? "" : $", \"executable\": \"{executable}\"";
        var path = _dir.Write("ops.json", _fleet.ConfigText($$"""
            ,
              "deployment": {
                "router": "nginx",
                "nginx": {
                  "upstreamFile": "nginx/upstreams.conf",
                  "configFile": "nginx/nginx.conf",
                  "prefix": "nginx",
                  "verifyBaseUrl": "{{verifyBaseUrl}}",
                  "timeoutSeconds": {{timeoutSeconds.ToString(CultureInfo.InvariantCulture)}}{{exe}}
                }
              }
            """));
        return OpsConfigLoader.Load(path);
    }

    /// <summary>Cancels a token source at the first request it sees that matches, then lets the request go on.</summary>
    private sealed class CancelOnFirst(CancellationTokenSource cts, Func<Uri, bool> match, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (match(request.RequestUri!))
            {
                cts.Cancel();
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
