using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Runbooks;

namespace Orchestrator.Ops.Core.Tests.Runbooks;

[Collection("fleet")]
public sealed class RunbookReportTests(FleetFixture fleet) : RunbookTestBase(fleet), IClassFixture<FleetFixture>
{
    [Fact]
    public async Task The_incident_report_holds_the_run_the_summary_and_every_items_evidence()
    {
        await Fleet.Fleet.UpdateAsync("poml", "blue", s => s with { Down = true });
        var run = await RunAsync(RunbookName.CriticalOutageTriage);
        var path = Dir.File("reports/incident.md");

        RunbookReport.Write(path, run, overwrite: false);

        var text = await File.ReadAllTextAsync(path);
        var lines = text.Split('\n');
        Assert.Equal("# Incident report: Critical outage triage", lines[0]);
        Assert.Contains("| Procedure | CriticalOutageTriage (runbook 2.2.1) |", lines);
        Assert.Contains($"| Outcome | **Fail**: {run.Checks.Count(c => c.Status == RunbookStatus.Pass)} pass, {run.Checks.Count(c => c.Status == RunbookStatus.Warn)} warn, "
            + $"{run.Checks.Count(c => c.Status == RunbookStatus.Fail)} fail, {run.Checks.Count(c => c.Status == RunbookStatus.Skipped)} skipped |", lines);
        Assert.Contains($"| Run by | {Environment.UserName}@{Environment.MachineName} |", lines);
        Assert.Contains($"| Configuration | {ConfigPath} |", lines);
        Assert.Contains("| Started | 2026-11-27 10:15:00Z |", lines);
        Assert.Contains("| Looked back to | 2026-11-27 09:15:00Z (60 min) |", lines);

        foreach (var c in run.Checks)
        {
            Assert.Single(lines, l => l.StartsWith($"| {c.Order} | {c.Item} | {c.Status} | ", StringComparison.Ordinal));
            Assert.Contains($"## {c.Order}. {c.Item}: {c.Status}", lines);
            Assert.Contains(c.Detail.Replace("|", "\\|", StringComparison.Ordinal), text);
        }

        // Every evidence row is a table row of its item's section.
        var network = Item(run, "Network connectivity");
        var section = text[text.IndexOf($"## {network.Order}. Network connectivity", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        var rows = section.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| Subject", StringComparison.Ordinal)).ToList();
        Assert.Equal(network.Evidence.Count, rows.Count);
        var poml = Assert.Single(rows, r => r.StartsWith("| poml/blue | TcpConnectMs | - | connects | Fail | ", StringComparison.Ordinal));
        Assert.Contains("ConnectionRefused", poml);
        Assert.Empty(Directory.GetFiles(Dir.File("reports"), "*.tmp"));
    }

    [Fact]
    public async Task A_checklist_is_a_maintenance_report_and_an_existing_file_is_replaced_only_when_asked()
    {
        var run = await RunAsync(RunbookName.MonthlyMaintenance);
        var path = Dir.Write("monthly.md", "an earlier report");

        var refused = Assert.Throws<IOException>(() => RunbookReport.Write(path, run, overwrite: false));
        Assert.Contains("already exists", refused.Message);
        Assert.Equal("an earlier report", await File.ReadAllTextAsync(path));

        RunbookReport.Write(path, run, overwrite: true);
        var text = await File.ReadAllTextAsync(path);
        Assert.StartsWith("# Maintenance report: Monthly maintenance\n", text);
        Assert.Contains("## 3. Dependency and vulnerability review: Skipped", text);
        Assert.Contains("| Serilog | Assembly | ", text);
        Assert.Single(Directory.GetFiles(Dir.Path, "monthly*"));
        Assert.Empty(Directory.GetFiles(Dir.Path, "*.tmp"));
    }

    [Fact]
    public void Cells_stay_on_one_line_and_what_Markdown_would_take_for_a_table_or_HTML_is_escaped()
    {
        var at = new DateTimeOffset(2026, 11, 27, 10, 15, 0, TimeSpan.Zero);
        var run = new RunbookRun
        {
            Procedure = RunbookName.SecurityIncident,
            StartedAt = at,
            EndedAt = at.AddSeconds(2.5),
            Since = at.AddDays(-1),
            RunBy = "tester@host",
            Host = "host",
            ConfigPath = "/etc/ops.json",
            Checks =
            [
                new RunbookCheck
                {
                    Procedure = RunbookName.SecurityIncident,
                    Item = "Failed authentications",
                    Status = RunbookStatus.Warn,
                    Detail = "A | B\nsecond line <script>alert(1)</script> and 5 < 7.",
                    Section = "2.2.3",
                    Order = 1,
                    CheckedAt = at,
                    Evidence = [new RunbookEvidence("10.0.0.1|x", "FailedAuth", 57L, "< 10", RunbookStatus.Warn, "rank 1\r\nnext"), new RunbookEvidence("total", "Ratio", 0.125, null, null, null)],
                },
            ],
        };

        var text = RunbookReport.ToMarkdown(run);

        Assert.Contains("| 1 | Failed authentications | Warn | A \\| B second line \\<script>alert(1)\\</script> and 5 < 7. |", text);
        Assert.Contains("| 10.0.0.1\\|x | FailedAuth | 57 | < 10 | Warn | rank 1 next |", text);
        Assert.Contains("| total | Ratio | 0.13 |  |  |  |", text);
        Assert.Contains("| Ended | 2026-11-27 10:15:02Z (2.5 s) |", text);
        Assert.StartsWith("# Incident report: Security incident\n", text);
    }

    [Fact]
    public async Task A_check_that_could_not_run_shows_its_error_in_the_report()
    {
        await OpenAsync(FastChecks + """
            ,
              "secrets": { "items": [ { "name": "k", "targets": [ { "type": "file", "path": "secrets/k.txt" } ] } ] }
            """);
        await Engine.Secrets.RotateAsync(new Orchestrator.Ops.Core.Secrets.SecretRotationRequest { Name = "k", RequestedBy = "t@t" }, NullReporter.Instance, default);
        await File.WriteAllTextAsync(Engine.Config.Secrets.VaultPath, "not a vault");

        var text = RunbookReport.ToMarkdown(await RunAsync(RunbookName.MonthlyMaintenance));

        Assert.Contains("| 1 | Secret ages | Fail | The check could not run: ", text);
        Assert.Contains("| Secret ages | Error | VaultException |  | Fail | ", text);
    }
}
