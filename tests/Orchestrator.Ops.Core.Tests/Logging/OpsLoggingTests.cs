using Orchestrator.Ops.Core.Logging;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Logging;

public sealed class OpsLoggingTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Access_lines_go_to_access_log_only()
    {
        var logs = _dir.File("logs");
        using (var log = OpsLogging.Create(logs))
        using (var accessLog = OpsLogging.CreateAccessLog(logs))
        {
            accessLog.Information("{Client} \"{Method} {Path}\" {Status}", "127.0.0.1", "GET", "/routellm/v1/operation", 200);
            accessLog.Error("an access-category error stays in access.log too");
            log.ForCategory(OpsLogging.AccessCategory).Information("a stray access-category event on the shared logger goes nowhere");
            log.ForCategory("service").Information("an application line");
        }

        var access = File.ReadAllLines(Path.Combine(logs, "access.log"));
        Assert.Equal(2, access.Length);
        Assert.Matches("""^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z \[INFO\] access 127\.0\.0\.1 "GET /routellm/v1/operation" 200$""", access[0]);
        var application = File.ReadAllText(Path.Combine(logs, "application.log"));
        Assert.Contains("an application line", application, StringComparison.Ordinal);
        Assert.DoesNotContain("access", application, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(logs, "error.log")) && File.ReadAllText(Path.Combine(logs, "error.log")).Contains("access", StringComparison.Ordinal));
    }
}
