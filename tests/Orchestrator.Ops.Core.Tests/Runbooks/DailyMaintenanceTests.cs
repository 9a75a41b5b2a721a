using Orchestrator.Ops.Core.Host;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Runbooks;

namespace Orchestrator.Ops.Core.Tests.Runbooks;

[Collection("fleet")]
public sealed class DailyMaintenanceTests(FleetFixture fleet) : RunbookTestBase(fleet), IClassFixture<FleetFixture>
{
    [Fact]
    public async Task A_healthy_fleet_with_a_fresh_verified_backup_passes_its_checks_in_the_runbooks_order()
    {
        var backup = await Engine.Backups.CreateAsync("nightly", null, [], NullReporter.Instance, default);
        Time.Advance(TimeSpan.FromHours(1));
        await ProbeRoundsAsync(3);

        var run = await RunAsync(RunbookName.DailyMaintenance);

        Assert.Equal(RunbookService.ItemsOf(RunbookName.DailyMaintenance), run.Checks.Select(c => c.Item));
        Assert.Equal([1, 2, 3, 4], run.Checks.Select(c => c.Order));
        Assert.All(run.Checks, c => Assert.Equal(RunbookName.DailyMaintenance, c.Procedure));
        Assert.Equal(Time.GetUtcNow() - TimeSpan.FromDays(1), run.Since);

        var dashboard = Item(run, "Health dashboard");
        Assert.Equal(RunbookStatus.Pass, dashboard.Status);
        Assert.Equal(100.0, Row(dashboard, "system", "HealthScore").Value);
        foreach (var w in new[] { "routellm", "poml", "external-tools" })
        {
            Assert.Equal(RunbookStatus.Pass, Row(dashboard, $"{w}/blue", "HealthScore").Status);
        }

        var b = Item(run, "Backup completed and verified");
        Assert.Equal(RunbookStatus.Pass, b.Status);
        Assert.Equal(1.0, Row(b, backup.Id, "AgeHours").Value);
        Assert.Equal(true, Row(b, backup.Id, "Verified").Value);
        Assert.Equal(backup.Files, Row(b, backup.Id, "Files").Value);
        Assert.Contains(backup.Id, b.Detail);
    }

    [Fact]
    public async Task A_wrapper_of_the_active_slot_that_is_down_fails_the_dashboard_and_no_backup_fails_the_backup_item()
    {
        await Fleet.Fleet.UpdateAsync("poml", "blue", s => s with { Down = true });
        await ProbeRoundsAsync(3);

        var run = await RunAsync(RunbookName.DailyMaintenance);

        var dashboard = Item(run, "Health dashboard");
        Assert.Equal(RunbookStatus.Fail, dashboard.Status);
        Assert.Equal(RunbookStatus.Fail, Row(dashboard, "poml/blue", "HealthScore").Status);
        Assert.Equal(0.0, Row(dashboard, "poml/blue", "HealthScore").Value);
        Assert.Equal(RunbookStatus.Pass, Row(dashboard, "routellm/blue", "HealthScore").Status);
        Assert.Contains("poml (Critical", dashboard.Detail);

        var b = Item(run, "Backup completed and verified");
        Assert.Equal(RunbookStatus.Fail, b.Status);
        Assert.Contains("no backup", b.Detail);
        Assert.Contains("New-Backup", b.Detail);
    }

    [Fact]
    public async Task Too_few_samples_warn_instead_of_passing()
    {
        await ProbeRoundsAsync(1);

        var dashboard = Item(await RunAsync(RunbookName.DailyMaintenance), "Health dashboard");

        Assert.Equal(RunbookStatus.Warn, dashboard.Status);
        Assert.Null(Row(dashboard, "system", "HealthScore").Value);
        Assert.Contains("Too few samples", dashboard.Detail);
    }

    [Fact]
    public async Task A_backup_warns_after_a_day_and_fails_after_two_missed_days()
    {
        await ProbeRoundsAsync(1);
        var backup = await Engine.Backups.CreateAsync(null, null, [], NullReporter.Instance, default);

        Time.Advance(TimeSpan.FromHours(30));
        var late = Item(await RunAsync(RunbookName.DailyMaintenance), "Backup completed and verified");
        Assert.Equal(RunbookStatus.Warn, late.Status);
        Assert.Equal(30.0, Row(late, backup.Id, "AgeHours").Value);
        Assert.Equal(RunbookStatus.Pass, Row(late, backup.Id, "Verified").Status);

        Time.Advance(TimeSpan.FromHours(30));
        var missing = Item(await RunAsync(RunbookName.DailyMaintenance), "Backup completed and verified");
        Assert.Equal(RunbookStatus.Fail, missing.Status);
        Assert.Equal(60.0, Row(missing, backup.Id, "AgeHours").Value);
    }

    [Fact]
    public async Task A_damaged_newest_backup_fails_even_when_fresh()
    {
        await ProbeRoundsAsync(1);
        var backup = await Engine.Backups.CreateAsync(null, null, [], NullReporter.Instance, default);
        var bytes = await File.ReadAllBytesAsync(backup.Location);
        bytes[bytes.Length / 2] ^= 0x20;
        await File.WriteAllBytesAsync(backup.Location, bytes);

        var b = Item(await RunAsync(RunbookName.DailyMaintenance), "Backup completed and verified");

        Assert.Equal(RunbookStatus.Fail, b.Status);
        Assert.Equal(false, Row(b, backup.Id, "Verified").Value);
        Assert.Equal(RunbookStatus.Pass, Row(b, backup.Id, "AgeHours").Status);
        Assert.Contains("damaged", b.Detail);
    }

    [Fact]
    public async Task Disk_space_is_held_to_the_DiskHigh_rule_and_lists_what_the_ops_data_takes()
    {
        await OpenAsync(FastChecks + """
            ,
              "alerts": { "rules": [ { "name": "DiskHigh", "severity": "warning", "metric": "diskPercent", "threshold": 0.01 } ] }
            """);
        await ProbeRoundsAsync(1);
        var backup = await Engine.Backups.CreateAsync(null, null, [], NullReporter.Instance, default);

        var disk = Item(await RunAsync(RunbookName.DailyMaintenance), "Disk space");

        var sample = DiskSample.Of(Dir.Path)!;
        var expected = sample.Percent > 95 ? RunbookStatus.Fail : sample.Percent > 0.01 ? RunbookStatus.Warn : RunbookStatus.Pass;
        Assert.Equal(expected, disk.Status);
        var used = Assert.Single(disk.Evidence, e => e.Measure == "UsedPercent");
        Assert.Equal("<= 0.01", used.Target);
        Assert.Contains("ops root", used.Note);
        Assert.Contains("backups", used.Note);
        var backupsRow = Row(disk, Engine.Config.Backups.Root, "Bytes");
        var onDisk = new DirectoryInfo(Engine.Config.Backups.Root).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        Assert.Equal(onDisk, backupsRow.Value);
        Assert.True(onDisk >= backup.CompressedBytes);
    }
}
