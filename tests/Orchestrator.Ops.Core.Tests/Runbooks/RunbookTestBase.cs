using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Runbooks;

namespace Orchestrator.Ops.Core.Tests.Runbooks;

/// <summary>
/// A runbook test over a real engine (SQLite store, backups, vault under a temp folder) on a fake clock, whose
/// configuration points at the sandbox fleet; the fleet is reset before each test. Tests provoke each status for real:
/// instances taken down or failing, backups aged on the clock or damaged, secrets aged, configuration edited.
/// </summary>
public abstract class RunbookTestBase(FleetFixture fleet) : IAsyncLifetime
{
    protected const string FastChecks = """
        ,
          "healthChecks": { "retries": 0, "timeoutSeconds": 2, "minimumSamples": 3 }
        """;

    protected FleetFixture Fleet { get; } = fleet;

    protected TempFolder Dir { get; } = new();

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 10, 15, 0, TimeSpan.Zero));

    protected OpsEngine Engine { get; private set; } = null!;

    protected string ConfigPath => Engine.Config.SourcePath;

    /// <summary>The top-level sections appended to the fleet's configuration.</summary>
    protected virtual string Sections => FastChecks;

    public async Task InitializeAsync()
    {
        await Fleet.ResetAsync();
        await OpenAsync(Sections);
    }

    public async Task DisposeAsync()
    {
        await Engine.DisposeAsync();
        Dir.Dispose();
    }

    /// <summary>
    /// (Re)opens the engine on the fleet's configuration with these sections, on the fake clock — or on the system clock,
    /// for tests that need real response times (the fake clock measures every probe as taking no time).
    /// </summary>
    protected async Task OpenAsync(string sections, bool systemClock = false)
    {
        if (Engine is not null)
        {
            await Engine.DisposeAsync();
        }

        var path = Dir.Write("ops.json", Fleet.ConfigText(sections));
        Engine = await OpsEngine.OpenAsync(OpsConfigLoader.Load(path), new OpsEngineOptions { Time = systemClock ? TimeProvider.System : Time }, default);
    }

    /// <summary>Probe rounds back to back on whatever clock the engine has.</summary>
    protected async Task ProbeNowAsync(int rounds)
    {
        for (var i = 0; i < rounds; i++)
        {
            await Engine.Health.ProbeAllAsync(NullReporter.Instance, default);
        }
    }

    /// <summary>Probe rounds over every wrapper and slot, 30 s apart on the clock, as the monitor loop makes them.</summary>
    protected async Task ProbeRoundsAsync(int rounds)
    {
        for (var i = 0; i < rounds; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(30));
            await Engine.Health.ProbeAllAsync(NullReporter.Instance, default);
        }
    }

    protected Task<RunbookRun> RunAsync(RunbookName name, DateTimeOffset? since = null) =>
        Engine.Runbooks.RunAsync(new RunbookRequest { Name = name, Since = since }, NullReporter.Instance, null, default);

    protected static RunbookCheck Item(RunbookRun run, string item) => run.Checks.Single(c => c.Item == item);

    protected static RunbookEvidence Row(RunbookCheck check, string subject, string measure) =>
        check.Evidence.Single(e => e.Subject == subject && e.Measure == measure);
}
