using System.Management.Automation;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.PowerShell.Tests;

[Collection("sandbox")]
public sealed class HealthCmdletTests : IClassFixture<SandboxSessionFixture>, IAsyncLifetime
{
    private readonly SandboxSessionFixture _f;

    public HealthCmdletTests(SandboxSessionFixture fixture) => _f = fixture;

    public Task InitializeAsync() => _f.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static IEnumerable<WrapperHealth> Health(IEnumerable<PSObject> output) => output.Select(o => (WrapperHealth)o.BaseObject);

    [Fact]
    public void Get_WrapperHealth_returns_every_wrapper_in_every_slot_of_the_session_default_config()
    {
        var all = Health(_f.Session.Invoke("Get-WrapperHealth -Live")).ToList();

        Assert.Equal(6, all.Count);
        Assert.Equal(["external-tools", "external-tools", "poml", "poml", "routellm", "routellm"], all.Select(h => h.Name));
        Assert.All(all, h => Assert.NotNull(h.LastCheck));
        Assert.All(all, h => Assert.Equal(h.Slot == "blue" ? "1.0.0" : "1.1.0", h.Version));
    }

    [Fact]
    public void Names_take_wildcards_and_slots_filter()
    {
        var routes = Health(_f.Session.Invoke("Get-WrapperHealth -Name route* -Slot green")).ToList();

        var only = Assert.Single(routes);
        Assert.Equal(("routellm", "green"), (only.Name, only.Slot));
    }

    [Fact]
    public void Names_bind_from_the_pipeline_by_property_name()
    {
        var output = Health(_f.Session.Invoke("[pscustomobject]@{ Name = 'poml' }, [pscustomobject]@{ Name = 'routellm' } | Get-WrapperHealth -Slot blue")).ToList();

        Assert.Equal(["poml", "routellm"], output.Select(h => h.Name));
    }

    [Fact]
    public void An_unknown_wrapper_is_a_clear_error_and_the_others_still_come()
    {
        var output = _f.Session.Invoke("Get-WrapperHealth -Name nosuch, poml -Slot blue", out var errors);

        var error = Assert.Single(errors);
        Assert.Equal("WrapperNotFound,Orchestrator.Ops.PowerShell.Commands.GetWrapperHealthCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("nosuch", error.TargetObject);
        Assert.Contains("routellm", error.Exception.Message);
        Assert.Equal("poml", Assert.Single(Health(output)).Name);
    }

    [Fact]
    public void An_unknown_slot_ends_the_command_naming_the_slots()
    {
        var ex = _f.Session.Fails("Get-WrapperHealth -Slot purple");

        Assert.Equal("SlotNotFound,Orchestrator.Ops.PowerShell.Commands.GetWrapperHealthCommand", ex.ErrorRecord.FullyQualifiedErrorId);
        Assert.Contains("blue, green", ex.ErrorRecord.Exception.Message);
    }

    [Fact]
    public async Task A_failing_wrapper_shows_in_status_score_and_message()
    {
        await _f.SetAsync("poml", "green", new { errorRate = 1.0 });
        for (var i = 0; i < 3; i++)
        {
            _f.Session.Invoke("Get-WrapperHealth -Name poml -Slot green -Live");
        }

        var poml = Assert.Single(Health(_f.Session.Invoke("Get-WrapperHealth -Name poml -Slot green")));

        Assert.Contains(poml.Status, new[] { HealthStatus.Critical, HealthStatus.Unhealthy });
        Assert.Contains("HTTP 500", poml.Message);
        Assert.Equal(4, poml.LastProbeAttempts);
    }

    [Fact]
    public void Probing_shows_progress_and_verbose_lines_written_on_the_pipeline_thread()
    {
        using var ps = _f.Session.Create("Get-WrapperHealth -Live -Verbose");
        var output = ps.Invoke();

        Assert.Equal(6, output.Count);
        var progress = ps.Streams.Progress.Where(p => p.Activity == "Probing wrappers").ToList();
        Assert.Contains(progress, p => p.StatusDescription.StartsWith("6 of 6", StringComparison.Ordinal) && p.PercentComplete == 100);
        Assert.Equal(ProgressRecordType.Completed, progress[^1].RecordType);
        Assert.Equal(6, ps.Streams.Verbose.Count(v => v.Message.StartsWith("Probe ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Get_SystemHealth_reports_the_active_slot()
    {
        var system = (SystemHealth)Assert.Single(_f.Session.Invoke("Get-SystemHealth -Live")).BaseObject;

        Assert.Equal("blue", system.ActiveSlot);
        Assert.Equal(3, system.ActiveWrappers);
        Assert.Equal(3, system.Wrappers.Count);
        Assert.NotNull(system.LastHealthCheck);
    }

    [Fact]
    public void Get_WrapperMetric_returns_hourly_buckets_and_errors_on_unknown_names()
    {
        _f.Session.Invoke("Get-WrapperHealth -Name routellm -Live");
        var buckets = _f.Session.Invoke("Get-WrapperMetric -Name routellm -Hours 2").Select(o => (WrapperMetricBucket)o.BaseObject).ToList();

        Assert.Equal(2, buckets.Count);
        Assert.True(buckets[^1].TotalOperations >= 1);
        Assert.Equal("blue", buckets[0].Slot);

        _f.Session.Invoke("Get-WrapperMetric -Name ghost", out var errors);
        Assert.Equal("WrapperNotFound,Orchestrator.Ops.PowerShell.Commands.GetWrapperMetricCommand", Assert.Single(errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void Wrapper_and_slot_names_complete_from_the_config()
    {
        var names = _f.Session.Invoke("$s = 'Get-WrapperHealth -Name po'; (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches | ForEach-Object CompletionText");
        var slots = _f.Session.Invoke("$s = 'Get-WrapperHealth -Slot g'; (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches | ForEach-Object CompletionText");

        Assert.Equal(["poml"], names.Select(o => o.ToString()));
        Assert.Equal(["green"], slots.Select(o => o.ToString()));

        // An explicit relative -ConfigPath is read from the session's location, as the command would.
        var viaPath = _f.Session.Invoke("$s = 'Get-WrapperHealth -ConfigPath ./orchestrator-ops.json -Name ex'; (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches | ForEach-Object CompletionText");
        Assert.Equal(["external-tools"], viaPath.Select(o => o.ToString()));
    }

    [Fact]
    public async Task Stopping_the_pipeline_cancels_a_probe_of_a_hanging_wrapper_at_once()
    {
        await _f.SetAsync("external-tools", "green", new { hang = true });
        var before = await _f.RequestCountAsync("external-tools", "green");
        using var ps = _f.Session.Create("Get-WrapperHealth -Name external-tools -Slot green -Live");
        var running = ps.BeginInvoke();
        await WaitForRequest("external-tools", "green", before);

        var stopped = Task.Factory.FromAsync(ps.BeginStop(null, null), ps.EndStop);
        await stopped.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.ThrowsAny<Exception>(() => ps.EndInvoke(running));
    }

    private async Task WaitForRequest(string wrapper, string slot, long baseline) =>
        // The sandbox counts a request when it arrives; poll its control API with a bound, failing past it.
        await Eventually.UntilAsync(async () => await _f.RequestCountAsync(wrapper, slot) > baseline,
            $"the probe's request reached {wrapper}/{slot}", every: TimeSpan.FromMilliseconds(50));
}
