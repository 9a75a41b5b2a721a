using System.Globalization;
using System.Text;
using Orchestrator.Ops.Core.Runbooks;

namespace Orchestrator.Ops.Core.Tests.Runbooks;

/// <summary>
/// The log items over application.log and access.log lines in the formats the service writes them (the template of
/// OpsLogging, the API's security warnings, the gateway's access lines), written by the test at times on the fake clock.
/// The expected counts are those the test wrote.
/// </summary>
[Collection("fleet")]
public sealed class LogRunbookTests(FleetFixture fleet) : RunbookTestBase(fleet), IClassFixture<FleetFixture>
{
    private string LogPath(string name) => Path.Combine(Engine.Config.LogsFolder, name + ".log");

    private static string Ts(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private DateTimeOffset Ago(TimeSpan span) => Time.GetUtcNow() - span;

    private void Append(string log, IEnumerable<string> lines)
    {
        Directory.CreateDirectory(Engine.Config.LogsFolder);
        File.AppendAllText(LogPath(log), string.Concat(lines.Select(l => l + "\n")), new UTF8Encoding(false));
    }

    private static IEnumerable<string> Times(int count, DateTimeOffset from, TimeSpan step, Func<DateTimeOffset, int, string> line) =>
        Enumerable.Range(0, count).Select(i => line(from + (step * i), i));

    private void WriteFailedAuth(string client, int count, DateTimeOffset from) =>
        Append("application", Times(count, from, TimeSpan.FromSeconds(20), (t, i) =>
            $"{Ts(t)} [WARN] security Failed authentication from {client} for GET /api/system/health: wrong API key ({i + 1} within the window)"));

    private void WriteAccess(string client, int count, DateTimeOffset from, TimeSpan step, int status, string path = "/routellm/v1/operation") =>
        Append("access", Times(count, from, step, (t, _) =>
            $"{Ts(t)} [INFO] access {client} \"GET {path}\" {status} 3.25 wrapper=routellm slot=blue fallback=false"));

    [Fact]
    public async Task The_error_logs_of_the_last_day_are_counted_by_type_and_wrapper_with_the_newest_lines_quoted()
    {
        await ProbeRoundsAsync(3);
        var clean = Item(await RunAsync(RunbookName.DailyMaintenance), "Error logs of the last day");
        Assert.Equal(RunbookStatus.Pass, clean.Status);
        Assert.StartsWith("No error in application.log since", clean.Detail);

        Append("application", Times(3, Ago(TimeSpan.FromHours(5)), TimeSpan.FromMinutes(1), (t, _) =>
            $"{Ts(t)} [ERROR] monitor ConnectionRefused probe routellm/blue failed after 4 attempt(s): connection refused response_time: 1403.2"));
        Append("application", [$"{Ts(Ago(TimeSpan.FromHours(2)))} [ERROR] monitor Timeout probe poml/green failed after 4 attempt(s): timed out after 10 s response_time: 10012.5"]);
        Append("application", Times(2, Ago(TimeSpan.FromDays(3)), TimeSpan.FromMinutes(1), (t, _) =>
            $"{Ts(t)} [ERROR] monitor HttpError probe poml/blue failed after 1 attempt(s): HTTP 500 response_time: 12.0"));
        Append("application", [$"{Ts(Ago(TimeSpan.FromHours(1)))} [INFO] monitor round probed=6 healthy=6 failed=0", "garbage without a timestamp ERROR"]);

        var errors = Item(await RunAsync(RunbookName.DailyMaintenance), "Error logs of the last day");

        Assert.Equal(RunbookStatus.Warn, errors.Status);
        Assert.Equal(3L, Row(errors, "ConnectionRefused (routellm)", "Errors").Value);
        Assert.Equal(1L, Row(errors, "Timeout (poml)", "Errors").Value);
        Assert.Equal(2, errors.Evidence.Count(e => e.Measure == "Errors"));
        Assert.Contains($"first {Ts(Ago(TimeSpan.FromHours(5)))[..19]}Z", Row(errors, "ConnectionRefused (routellm)", "Errors").Note);
        var quoted = errors.Evidence.Where(e => e.Measure == "Line").ToList();
        Assert.Equal(4, quoted.Count);
        Assert.Equal("Timeout", quoted[^1].Note);
        Assert.StartsWith("4 errors since", errors.Detail);
    }

    [Fact]
    public async Task A_security_incident_finds_the_guessing_client_its_lockouts_its_probing_and_its_traffic_spike()
    {
        var start = Ago(TimeSpan.FromHours(6));
        WriteFailedAuth("10.0.0.7", 12, Ago(TimeSpan.FromHours(3)));
        WriteFailedAuth("10.0.0.8", 2, Ago(TimeSpan.FromHours(2)));
        Append("application", Times(3, Ago(TimeSpan.FromMinutes(170)), TimeSpan.FromSeconds(5), (t, _) =>
            $"{Ts(t)} [WARN] security Refused GET /api/alerts from 10.0.0.7: too many failed authentications; retry after 120 s"));
        for (var h = 0; h < 6; h++)
        {
            WriteAccess("192.168.1.20", 10, start.AddHours(h), TimeSpan.FromMinutes(5), 200);
        }

        WriteAccess("10.0.0.7", 200, start.AddHours(3).AddMinutes(1), TimeSpan.FromSeconds(10), 200);
        WriteAccess("10.0.0.7", 25, Ago(TimeSpan.FromMinutes(100)), TimeSpan.FromSeconds(3), 401);
        WriteAccess("10.0.0.9", 2, Ago(TimeSpan.FromMinutes(90)), TimeSpan.FromSeconds(3), 429);
        WriteAccess("10.0.0.10", 3, Ago(TimeSpan.FromMinutes(80)), TimeSpan.FromSeconds(3), 404, "/.env");

        var run = await RunAsync(RunbookName.SecurityIncident);

        var auth = Item(run, "Failed authentications");
        Assert.Equal(RunbookStatus.Fail, auth.Status);
        var top = Row(auth, "10.0.0.7", "FailedAuth");
        Assert.Equal((12L, RunbookStatus.Fail), (top.Value, top.Status));
        Assert.StartsWith("rank 1; at most 12 in one hour", top.Note);
        Assert.Equal((2L, RunbookStatus.Warn), (Row(auth, "10.0.0.8", "FailedAuth").Value, Row(auth, "10.0.0.8", "FailedAuth").Status));
        Assert.Contains("14 failed authentications", auth.Detail);
        Assert.Contains("from 2 clients", auth.Detail);

        var limits = Item(run, "Rate-limit violations");
        Assert.Equal(RunbookStatus.Warn, limits.Status);
        Assert.Equal(3L, Row(limits, "10.0.0.7", "RateLimited").Value);
        Assert.Equal(2L, Row(limits, "10.0.0.9", "RateLimited").Value);

        var access = Item(run, "Suspicious access");
        Assert.Equal(RunbookStatus.Fail, access.Status);
        Assert.Equal((25L, RunbookStatus.Fail), (Row(access, "10.0.0.7", "Refused").Value, Row(access, "10.0.0.7", "Refused").Status));
        var scanner = Row(access, "10.0.0.10", "Refused");
        Assert.Equal(0L, scanner.Value);
        Assert.Null(scanner.Status);
        Assert.Contains("404 x3", scanner.Note);
        Assert.Contains("/.env", scanner.Note);

        var traffic = Item(run, "Unusual traffic");
        Assert.Equal(RunbookStatus.Warn, traffic.Status);
        var spikeHour = new DateTimeOffset(start.AddHours(3).UtcDateTime.Date.AddHours(start.AddHours(3).UtcDateTime.Hour), TimeSpan.Zero);
        var spike = Assert.Single(traffic.Evidence, e => e.Measure == "RequestsPerHour");
        Assert.Equal(Fmt(spikeHour), spike.Subject);
        Assert.Equal(290L, Row(traffic, "all clients", "Requests").Value);
        Assert.Equal(225L, Row(traffic, "10.0.0.7", "Requests").Value);
        Assert.True((long)spike.Value! >= 200);

        static string Fmt(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Without_an_access_log_the_access_items_are_skipped_and_a_quiet_application_log_passes()
    {
        var run = await RunAsync(RunbookName.SecurityIncident);

        Assert.Equal(RunbookStatus.Skipped, Item(run, "Suspicious access").Status);
        Assert.Contains("There is no access.log", Item(run, "Suspicious access").Detail);
        Assert.Equal(RunbookStatus.Skipped, Item(run, "Unusual traffic").Status);
        Assert.Equal(RunbookStatus.Pass, Item(run, "Failed authentications").Status);
        Assert.Equal(RunbookStatus.Pass, Item(run, "Rate-limit violations").Status);
        Assert.DoesNotContain(Item(run, "Rate-limit violations").Evidence, e => e.Measure == "Warning");
    }

    [Fact]
    public async Task The_weekly_security_review_warns_about_a_client_at_the_lockout_limit_only()
    {
        WriteFailedAuth("10.0.0.8", 3, Ago(TimeSpan.FromDays(2)));
        var some = Item(await RunAsync(RunbookName.WeeklyMaintenance), "Security alerts");
        Assert.Equal(RunbookStatus.Pass, some.Status);
        Assert.Equal((3L, RunbookStatus.Pass), (Row(some, "10.0.0.8", "FailedAuth").Value, Row(some, "10.0.0.8", "FailedAuth").Status));

        WriteFailedAuth("10.0.0.7", 10, Ago(TimeSpan.FromDays(1)));
        var attack = Item(await RunAsync(RunbookName.WeeklyMaintenance), "Security alerts");
        Assert.Equal(RunbookStatus.Warn, attack.Status);
        Assert.Equal(RunbookStatus.Warn, Row(attack, "10.0.0.7", "FailedAuth").Status);
        Assert.Contains("clients at the failed-authentication limit: 10.0.0.7", attack.Detail);
    }
}
