using System.Reflection;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Runbooks;
using Orchestrator.Ops.Core.Secrets;

namespace Orchestrator.Ops.Core.Tests.Runbooks;

[Collection("fleet")]
public sealed class MonthlyMaintenanceTests(FleetFixture fleet) : RunbookTestBase(fleet), IClassFixture<FleetFixture>
{
    private const string WithSecrets = FastChecks + """
        ,
          "secrets": {
            "manageServiceApiKey": false,
            "rotateAfterDays": 30,
            "items": [
              { "name": "provider-key", "targets": [ { "type": "file", "path": "secrets/provider-key.txt" } ] },
              { "name": "poml-token", "rotateAfterDays": 10, "targets": [ { "type": "file", "path": "secrets/poml-token.txt" } ] },
              { "name": "never-set", "targets": [ { "type": "file", "path": "secrets/never-set.txt" } ] }
            ]
          }
        """;

    private Task RotateAsync(string name) => Engine.Secrets.RotateAsync(new SecretRotationRequest { Name = name, RequestedBy = "tester@test" }, NullReporter.Instance, default);

    [Fact]
    public async Task Secret_ages_pass_warn_when_due_or_never_set_and_fail_at_twice_their_age()
    {
        await OpenAsync(WithSecrets);
        await RotateAsync("provider-key");
        await RotateAsync("poml-token");

        var fresh = Item(await RunAsync(RunbookName.MonthlyMaintenance), "Secret ages");
        Assert.Equal(RunbookStatus.Warn, fresh.Status);
        Assert.Equal(RunbookStatus.Pass, Row(fresh, "provider-key", "AgeDays").Status);
        Assert.Equal(0.0, Row(fresh, "provider-key", "AgeDays").Value);
        Assert.Equal("< 30", Row(fresh, "provider-key", "AgeDays").Target);
        Assert.Equal("< 10", Row(fresh, "poml-token", "AgeDays").Target);
        var never = Row(fresh, "never-set", "AgeDays");
        Assert.Equal(RunbookStatus.Warn, never.Status);
        Assert.Null(never.Value);
        Assert.Contains("no value yet", never.Note);

        Time.Advance(TimeSpan.FromDays(12));
        var due = Item(await RunAsync(RunbookName.MonthlyMaintenance), "Secret ages");
        Assert.Equal(RunbookStatus.Warn, Row(due, "poml-token", "AgeDays").Status);
        Assert.Equal(12.0, Row(due, "poml-token", "AgeDays").Value);
        Assert.Equal(RunbookStatus.Pass, Row(due, "provider-key", "AgeDays").Status);

        Time.Advance(TimeSpan.FromDays(9));
        var overdue = Item(await RunAsync(RunbookName.MonthlyMaintenance), "Secret ages");
        Assert.Equal(RunbookStatus.Fail, overdue.Status);
        Assert.Equal(RunbookStatus.Fail, Row(overdue, "poml-token", "AgeDays").Status);
        Assert.Contains("twice", Row(overdue, "poml-token", "AgeDays").Note);
        Assert.Contains("poml-token", overdue.Detail);
        Assert.Contains("Update-Secret -All", overdue.Detail);

        await RotateAsync("poml-token");
        var rotated = Item(await RunAsync(RunbookName.MonthlyMaintenance), "Secret ages");
        Assert.Equal(RunbookStatus.Pass, Row(rotated, "poml-token", "AgeDays").Status);
        Assert.Equal(0.0, Row(rotated, "poml-token", "AgeDays").Value);

        // Nothing removed the previous value when its grace period ended (the service does that): it is still accepted.
        Time.Advance(TimeSpan.FromDays(2));
        var stale = Row(Item(await RunAsync(RunbookName.MonthlyMaintenance), "Secret ages"), "poml-token", "AgeDays");
        Assert.Equal(RunbookStatus.Fail, stale.Status);
        Assert.Contains("after its grace period ended: Update-Secret -CompleteExpired", stale.Note);
    }

    [Fact]
    public async Task A_vault_that_cannot_be_read_fails_its_item_and_the_other_items_still_run()
    {
        await OpenAsync(WithSecrets);
        await RotateAsync("provider-key");
        await ProbeRoundsAsync(1);
        await Engine.Backups.CreateAsync(null, null, [], NullReporter.Instance, default);
        var vault = Engine.Config.Secrets.VaultPath;
        var bytes = await File.ReadAllBytesAsync(vault);
        bytes[^5] ^= 0x40;
        await File.WriteAllBytesAsync(vault, bytes);

        var run = await RunAsync(RunbookName.MonthlyMaintenance);

        var secrets = Item(run, "Secret ages");
        Assert.Equal(RunbookStatus.Fail, secrets.Status);
        Assert.StartsWith("The check could not run:", secrets.Detail);
        Assert.Equal(nameof(VaultException), Row(secrets, "Secret ages", "Error").Value);
        Assert.Equal(RunbookStatus.Pass, Item(run, "Disaster-recovery drill").Status);
        Assert.Equal(RunbookStatus.Skipped, Item(run, "Dependency and vulnerability review").Status);
        Assert.Equal(3, run.Checks.Count);
    }

    [Fact]
    public async Task The_drill_really_restores_the_newest_backup_and_fails_without_one_or_on_a_damaged_one()
    {
        var none = Item(await RunAsync(RunbookName.MonthlyMaintenance), "Disaster-recovery drill");
        Assert.Equal(RunbookStatus.Fail, none.Status);
        Assert.Contains("no backup", none.Detail);

        await ProbeRoundsAsync(1);
        var backup = await Engine.Backups.CreateAsync(null, null, [], NullReporter.Instance, default);
        Time.Advance(TimeSpan.FromDays(2));
        var drill = Item(await RunAsync(RunbookName.MonthlyMaintenance), "Disaster-recovery drill");
        Assert.Equal(RunbookStatus.Pass, drill.Status);
        Assert.Equal("Passed", Row(drill, backup.Id, "Drill").Value);
        Assert.Equal(2.0, Row(drill, backup.Id, "BackupAgeDays").Value);
        Assert.Equal("ok", Row(drill, "state store", "Integrity").Value);
        Assert.Contains($"{backup.Files} files", Row(drill, backup.Id, "Drill").Note);

        Time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(RunbookStatus.Warn, Item(await RunAsync(RunbookName.MonthlyMaintenance), "Disaster-recovery drill").Status);

        var bytes = await File.ReadAllBytesAsync(backup.Location);
        bytes[bytes.Length / 3] ^= 0x11;
        await File.WriteAllBytesAsync(backup.Location, bytes);
        var damaged = Item(await RunAsync(RunbookName.MonthlyMaintenance), "Disaster-recovery drill");
        Assert.Equal(RunbookStatus.Fail, damaged.Status);
        Assert.Equal("Failed", Row(damaged, backup.Id, "Drill").Value);
        Assert.Contains(damaged.Evidence, e => e.Measure == "Problem" && e.Status == RunbookStatus.Fail);
    }

    [Fact]
    public async Task The_dependency_review_is_skipped_with_the_reason_and_lists_what_the_engine_runs_on()
    {
        var review = Item(await RunAsync(RunbookName.MonthlyMaintenance), "Dependency and vulnerability review");

        Assert.Equal(RunbookStatus.Skipped, review.Status);
        Assert.Contains("No vulnerability feed is reachable", review.Detail);
        Assert.All(review.Evidence, e => Assert.Null(e.Status));
        var serilog = typeof(Serilog.ILogger).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        Assert.Equal(serilog, Row(review, "Serilog", "Assembly").Value);
        Assert.Contains(review.Evidence, e => e.Subject == "Microsoft.Data.Sqlite");
        Assert.Contains(review.Evidence, e => e.Subject == "Polly.Core");
        Assert.DoesNotContain(review.Evidence, e => e.Subject.StartsWith("System.", StringComparison.Ordinal) || e.Subject.StartsWith("xunit", StringComparison.Ordinal));
        Assert.Equal(Environment.Version.ToString(), Row(review, ".NET runtime", "Version").Value);
        Assert.Matches(@"^3\.\d+\.\d+$", (string)Row(review, "SQLite", "Version").Value!);
    }
}
