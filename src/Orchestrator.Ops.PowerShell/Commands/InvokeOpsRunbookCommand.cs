using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Runbooks;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// Runs one of the runbook's procedures — the daily, weekly or monthly checklist, or the investigation of an outage, a
/// degradation or a security incident — and writes one RunbookCheck per item as soon as it is decided; -Report writes
/// the Markdown report with every item's evidence. Never prompts (unless -Confirm is asked for).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "OpsRunbook", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RunbookCheck))]
public sealed class InvokeOpsRunbookCommand : OpsConfigCmdlet
{
    /// <summary>
    /// The procedure: DailyMaintenance, WeeklyMaintenance, MonthlyMaintenance (the checklists of runbook 3.3.1),
    /// CriticalOutageTriage (2.2.1), PerformanceDegradation (2.2.2) or SecurityIncident (2.2.3).
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    public RunbookProcedureName Name { get; set; }

    /// <summary>Write the Markdown report of the run to this file (atomically); an existing file is refused unless -Force.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Report { get; set; }

    /// <summary>Replace an existing report file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// Look back to this time instead of the procedure's default: a date, or how long ago (4h, 90m, 2d, a TimeSpan), as
    /// Search-OpsLog's -Since.
    /// </summary>
    [Parameter]
    [PointInTime]
    public DateTimeOffset? Since { get; set; }

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var procedure = (RunbookName)(int)Name;
        string? reportPath = null;
        if (Report is not null)
        {
            reportPath = GetUnresolvedProviderPathFromPSPath(Report);
            if (!Force && File.Exists(reportPath))
            {
                ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.ReportExists,
                    new IOException($"The report '{reportPath}' already exists. Pass -Force to replace it, or choose another -Report path; nothing was run."),
                    reportPath));
            }

            if (!ShouldProcess(reportPath, $"Write the Markdown report of {procedure}"))
            {
                reportPath = null;
            }
        }

        if (Since > DateTimeOffset.Now)
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.SinceInvalid, new ArgumentException($"-Since {Since:u} is in the future; give a time in the past, or how long ago (4h)."), Since));
        }

        var request = new RunbookRequest { Name = procedure, Since = Since };
        var run = RunWithEngineStreaming(config, (engine, reporter, output, ct) => engine.Runbooks.RunAsync(request, reporter, c => output(c), ct));

        WriteVerbose($"{procedure}: {run.Outcome}; {run.Checks.Count(c => c.Status == RunbookStatus.Pass)} pass, {run.Checks.Count(c => c.Status == RunbookStatus.Warn)} warn, {run.Checks.Count(c => c.Status == RunbookStatus.Fail)} fail, {run.Checks.Count(c => c.Status == RunbookStatus.Skipped)} skipped.");
        if (reportPath is null)
        {
            return;
        }

        try
        {
            RunbookReport.Write(reportPath, run, overwrite: Force);
            WriteVerbose($"Wrote the report to {reportPath}.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.ReportNotWritten, ex, reportPath,
                recommendedAction: "Choose a -Report path in a writable folder, or add -Force to replace an existing file.",
                message: $"The report was not written to '{reportPath}': {ex.Message}"));
        }
    }
}
