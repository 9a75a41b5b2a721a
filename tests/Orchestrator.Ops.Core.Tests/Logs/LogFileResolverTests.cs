using Orchestrator.Ops.Core.Logs;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Logs;

public sealed class LogFileResolverTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Logs => _dir.Path;

    private string Touch(string name, DateTime? lastWriteUtc = null)
    {
        var path = _dir.Write(name, "2026-11-27 22:00:00.000Z [INFO] ops a line\n");
        if (lastWriteUtc is { } at)
        {
            File.SetLastWriteTimeUtc(path, at);
        }

        return path;
    }

    [Fact]
    public void The_defaults_are_read_when_no_log_is_given()
    {
        var current = Touch("application.log");
        Touch("access.log");

        var target = Assert.Single(new LogFileResolver(Logs).Resolve([], ["application"], follow: false, NullReporter.Instance));

        Assert.Equal(("application", current, true), (target.Log, target.CurrentPath, target.IsName));
        Assert.Equal([current], target.Files);
    }

    [Fact]
    public void Given_logs_replace_the_defaults_and_each_is_resolved_once_in_the_order_given()
    {
        Touch("application.log");
        var access = Touch("access.log");

        var targets = new LogFileResolver(Logs).Resolve(["Access", "access", "ACCESS", "application"], ["monitoring"], follow: false, NullReporter.Instance);

        Assert.Equal(["access", "application"], targets.Select(t => t.Log));
        Assert.Equal(access, targets[0].CurrentPath);
    }

    [Fact]
    public void A_missing_log_is_reported_and_left_out_while_another_exists()
    {
        Touch("application.log");
        var errors = new LogMeasureTests.ErrorCollector();

        var targets = new LogFileResolver(Logs).Resolve(["error", "application", "monitoring"], [], follow: false, errors);

        Assert.Equal(["application"], targets.Select(t => t.Log));
        Assert.Equal([(LogFailure.NotFound, "error"), (LogFailure.NotFound, "monitoring")], errors.Errors.Select(e => (e.Failure, e.Target)));
        Assert.Contains(Path.Combine(Logs, "error.log"), errors.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_log_goes_to_a_plain_reporter_as_a_warning()
    {
        Touch("application.log");
        var reporter = new RecordingReporter();

        new LogFileResolver(Logs).Resolve(["application", "error"], [], follow: false, reporter);

        var warning = Assert.Single(reporter.Warnings);
        Assert.StartsWith("There is no log 'error'", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void When_no_requested_log_exists_the_first_missing_one_ends_the_call()
    {
        var reporter = new RecordingReporter();

        var ex = Assert.Throws<LogException>(() => new LogFileResolver(Logs).Resolve(["error", "monitoring"], [], follow: false, reporter));

        Assert.Equal((LogFailure.NotFound, "error"), (ex.Failure, ex.Target));
        Assert.Empty(reporter.Warnings);
    }

    [Fact]
    public void Following_keeps_a_log_that_has_no_file_yet()
    {
        var target = Assert.Single(new LogFileResolver(Logs).Resolve(["monitoring"], [], follow: true, NullReporter.Instance));

        Assert.Equal(Path.Combine(Logs, "monitoring.log"), target.CurrentPath);
        Assert.Empty(target.Files);
    }

    [Fact]
    public void Without_since_every_file_is_read_oldest_first_and_only_the_current_one_is_marked_current()
    {
        var two = Touch("application.log.2.gz");
        var one = Touch("application.log.1");
        var current = Touch("application.log");
        var target = new LogFileResolver(Logs).Resolve(["application"], [], follow: false, NullReporter.Instance)[0];

        var files = LogFileResolver.FilesToRead(target, since: null).ToList();

        Assert.Equal([("application", two, false), ("application", one, false), ("application", current, true)], files);
    }

    [Fact]
    public void Rotated_files_last_written_well_before_since_are_left_out_and_the_current_file_never()
    {
        var since = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        Touch("application.log.3", since.UtcDateTime.AddHours(-1));
        var withinSlack = Touch("application.log.2", since.UtcDateTime - LogFileResolver.RotatedSlack + TimeSpan.FromSeconds(30));
        Touch("application.log.1", since.UtcDateTime - LogFileResolver.RotatedSlack - TimeSpan.FromSeconds(30));
        var current = Touch("application.log", since.UtcDateTime.AddDays(-3));
        var target = new LogFileResolver(Logs).Resolve(["application"], [], follow: false, NullReporter.Instance)[0];
        Assert.Equal(4, target.Files.Count);

        var files = LogFileResolver.FilesToRead(target, since).Select(f => (f.Path, f.IsCurrent)).ToList();

        Assert.Equal([(withinSlack, false), (current, true)], files);
    }
}
