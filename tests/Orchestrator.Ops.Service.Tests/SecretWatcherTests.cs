using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Secrets;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

/// <summary>The service's part of rotation: its API key becomes a managed secret, and expired previous values are removed.</summary>
[Collection("service")]
public sealed class SecretWatcherTests(FleetFixture fleet) : IAsyncLifetime
{
    private TestService _svc = null!;

    public async Task InitializeAsync()
    {
        await fleet.ResetAsync();
        _svc = await TestService.StartAsync(fleet, """
            ,
              "secrets": { "items": [ { "name": "app-token",
                "targets": [ { "type": "file", "path": "app.token", "previousPath": "app.token.previous" } ] } ] }
            """);
    }

    public async Task DisposeAsync() => await _svc.DisposeAsync();

    [Fact]
    public async Task The_service_s_key_file_becomes_the_first_version_of_service_api_key()
    {
        var info = (await _svc.Engine.Secrets.GetAsync(default)).Single(s => s.Name == SecretSettings.ServiceApiKeyName);
        Assert.Equal(1, info.CurrentVersion);
        Assert.Equal(_svc.ApiKey, _svc.Engine.Secrets.Reveal(SecretSettings.ServiceApiKeyName).RevealString());
        using var ok = await _svc.GetAsync("/api/system/health");
        Assert.Equal(System.Net.HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task A_previous_value_is_removed_by_the_watcher_once_its_grace_period_ends_and_not_before()
    {
        var secrets = _svc.Engine.Secrets;
        await secrets.RotateAsync(new SecretRotationRequest { Name = "app-token", RequestedBy = "test" }, NullReporter.Instance, default);
        var rotated = await secrets.RotateAsync(new SecretRotationRequest { Name = "app-token", RequestedBy = "test", GracePeriod = TimeSpan.FromMinutes(1) }, NullReporter.Instance, default);
        Assert.Equal(SecretRotationOutcome.Rotated, rotated.Outcome);
        var previous = Path.Combine(_svc.Config.OpsRoot, "app.token.previous");
        Assert.True(File.Exists(previous));

        var watcher = _svc.App.Services.GetRequiredService<SecretWatcher>();
        async Task PassAsync()
        {
            var passed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void Done() => passed.TrySetResult();
            watcher.Passed += Done;
            _svc.Time.Advance(SecretWatcher.DefaultInterval);
            await passed.Task.WaitAsync(TimeSpan.FromSeconds(10));
            watcher.Passed -= Done;
        }

        await PassAsync(); // 30 s: still valid
        Assert.True(File.Exists(previous));
        await PassAsync(); // 60 s: expires now
        await PassAsync();
        Assert.False(File.Exists(previous));
        var info = (await secrets.GetAsync(default)).Single(s => s.Name == "app-token");
        Assert.Null(info.PreviousVersion);
        Assert.Equal(rotated.ToVersion, info.CurrentVersion);
        Assert.Contains(_svc.LogLines("application.log"), l => l.Contains("Grace period of", StringComparison.Ordinal) && l.Contains("app-token", StringComparison.Ordinal));
    }
}
