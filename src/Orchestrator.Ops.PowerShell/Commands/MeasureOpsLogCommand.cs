using System.Management.Automation;
using Orchestrator.Ops.Core.Logs;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// Aggregates the ops logs without making an object per line: errors by type, response-time percentiles, success
/// rates, failed authentications and rate-limit violations, optionally per hour or day.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "OpsLog", DefaultParameterSetName = ErrorsSet)]
[OutputType(typeof(LogErrorCount), ParameterSetName = [ErrorsSet])]
[OutputType(typeof(LogResponseTime), ParameterSetName = [ResponseTimeSet])]
[OutputType(typeof(LogSuccessRate), ParameterSetName = [SuccessRateSet])]
[OutputType(typeof(LogFailedAuth), ParameterSetName = [FailedAuthSet])]
[OutputType(typeof(LogRateLimit), ParameterSetName = [RateLimitSet])]
public sealed class MeasureOpsLogCommand : OpsLogCmdlet
{
    private const string ErrorsSet = "ErrorsByType";
    private const string ResponseTimeSet = "ResponseTime";
    private const string SuccessRateSet = "SuccessRate";
    private const string FailedAuthSet = "FailedAuth";
    private const string RateLimitSet = "RateLimit";

    /// <summary>Count error (and fatal) lines per error type and wrapper: the runbook's grep ERROR | cut -d' ' -f5 | sort | uniq -c. The default; reads application.log unless -Log is given.</summary>
    [Parameter(ParameterSetName = ErrorsSet)]
    public SwitchParameter ErrorsByType { get; set; }

    /// <summary>Count, minimum, P50, P95, P99 and maximum response time (ms) per wrapper, from probe lines and access lines. Reads monitoring.log unless -Log is given.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ResponseTimeSet)]
    public SwitchParameter ResponseTime { get; set; }

    /// <summary>Successful and failed probes (and gateway requests, 5xx failing) per wrapper. Reads monitoring.log unless -Log is given.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SuccessRateSet)]
    public SwitchParameter SuccessRate { get; set; }

    /// <summary>Failed authentications per client address, ranked (the runbook's security review). Reads application.log unless -Log is given.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FailedAuthSet)]
    public SwitchParameter FailedAuth { get; set; }

    /// <summary>Only the N clients with the most failed authentications (per interval with -By).</summary>
    [Parameter(ParameterSetName = FailedAuthSet)]
    [ValidateRange(1, int.MaxValue)]
    public int? Top { get; set; }

    /// <summary>Rate-limit violations per client: requests refused after too many failed authentications, and 429 answers in access.log.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RateLimitSet)]
    public SwitchParameter RateLimit { get; set; }

    /// <summary>Split the figures by UTC hour or day.</summary>
    [Parameter]
    public LogInterval By { get; set; }

    protected override void ProcessRecord()
    {
        var service = OpenLogs();
        var request = new LogMeasureRequest { Logs = ResolveLogs(), Since = Since, Until = Until, By = By, Wrapper = Wrapper };
        switch (ParameterSetName)
        {
            case ResponseTimeSet:
                WriteObject(Run((r, ct) => service.MeasureResponseTimesAsync(request, r, ct), Errors), enumerateCollection: true);
                break;
            case SuccessRateSet:
                WriteObject(Run((r, ct) => service.MeasureSuccessRateAsync(request, r, ct), Errors), enumerateCollection: true);
                break;
            case FailedAuthSet:
                var failed = Run((r, ct) => service.CountFailedAuthAsync(request, r, ct), Errors);
                WriteObject(Top is { } top ? failed.Where(f => f.Rank <= top) : failed, enumerateCollection: true);
                break;
            case RateLimitSet:
                WriteObject(Run((r, ct) => service.CountRateLimitsAsync(request, r, ct), Errors), enumerateCollection: true);
                break;
            default:
                WriteObject(Run((r, ct) => service.CountErrorsAsync(request, r, ct), Errors), enumerateCollection: true);
                break;
        }
    }
}
