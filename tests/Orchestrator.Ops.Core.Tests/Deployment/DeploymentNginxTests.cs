using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Deployment;

/// <summary>A whole switch through a real nginx on loopback: the switch, and the automatic switch-back.</summary>
[Collection("fleet")]
public sealed class DeploymentNginxTests(FleetFixture fleet) : IClassFixture<FleetFixture>, IAsyncLifetime
{
    private readonly TempFolder _dir = new();
    private LoopbackNginx _nginx = null!;
    private OpsEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _ = LoopbackNginx.Executable;
        await fleet.ResetAsync();
        var path = _dir.Write("ops.json", fleet.ConfigText("""
            ,
              "healthChecks": { "retries": 0, "timeoutSeconds": 2, "minimumSamples": 1 },
              "deployment": {
                "router": "nginx",
                "nginx": { "upstreamFile": "nginx/upstreams.conf", "configFile": "nginx/nginx.conf", "prefix": "nginx", "verifyBaseUrl": "http://127.0.0.1:9/" },
                "analysisDurationSeconds": 1, "analysisIntervalSeconds": 0.3, "warmupAttempts": 2
              }
            """));
        var config = OpsConfigLoader.Load(path);
        _nginx = await LoopbackNginx.StartAsync(_dir.File("nginx"), config.Wrappers.Select(w => w.Name),
            NginxTrafficRouter.Render(config.FindSlot("blue")!, config.Wrappers, null, DateTimeOffset.UnixEpoch));

        // The nginx port is known only now: point the proof at it.
        File.WriteAllText(path, File.ReadAllText(path).Replace("http://127.0.0.1:9/", _nginx.BaseUrl.AbsoluteUri, StringComparison.Ordinal));
        _engine = await OpsEngine.OpenAsync(OpsConfigLoader.Load(path), null, default);
        await _nginx.WaitForVersionAsync("routellm", "1.0.0");
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        await _nginx.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_switch_goes_through_nginx_and_a_failed_analysis_puts_nginx_back_on_blue()
    {
        var ok = await _engine.Deployment.SwitchAsync("green", new SwitchOptions { AnalysisDuration = TimeSpan.Zero }, NullReporter.Instance, default);
        Assert.Equal(SwitchOutcome.Switched, ok.Outcome);
        Assert.Equal("nginx", ok.Router);
        Assert.Equal("1.1.0", (await _nginx.VersionThroughAsync("poml")).Version);
        Assert.Equal("green", await _engine.Deployment.Router.GetRoutedSlotAsync(default));

        await _engine.Deployment.SwitchAsync("blue", new SwitchOptions { AnalysisDuration = TimeSpan.Zero }, NullReporter.Instance, default);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var breaker = Task.Run(async () =>
        {
            while (await _engine.Health.GetActiveSlotAsync(default) != "green")
            {
                await Task.Delay(10, stop.Token);
            }

            await fleet.Fleet.UpdateAsync("external-tools", "green", s => s with { ErrorRate = 1 });
        });

        var failed = await _engine.Deployment.SwitchAsync("green", new SwitchOptions(), NullReporter.Instance, default);
        await breaker;

        Assert.Equal(SwitchOutcome.RolledBack, failed.Outcome);
        Assert.Contains(failed.Analysis, m => m.Wrapper == "external-tools" && m.Verdict == AnalysisVerdict.Fail);
        Assert.Equal("blue", await _engine.Deployment.Router.GetRoutedSlotAsync(default));
        Assert.Equal("blue", await _engine.Health.GetActiveSlotAsync(default));
        foreach (var w in new[] { "routellm", "poml", "external-tools" })
        {
            Assert.Equal("1.0.0", (await _nginx.VersionThroughAsync(w)).Version);
        }
    }
}
