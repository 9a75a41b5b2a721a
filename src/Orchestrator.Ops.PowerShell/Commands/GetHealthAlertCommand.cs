using System.Management.Automation;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Gets alerts: open ones by default, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "HealthAlert", DefaultParameterSetName = "Filter")]
[OutputType(typeof(HealthAlert))]
public sealed class GetHealthAlertCommand : OpsConfigCmdlet
{
    /// <summary>Only alerts of this severity.</summary>
    [Parameter(ParameterSetName = "Filter")]
    public AlertSeverityName? Severity { get; set; }

    /// <summary>Only alerts in these states; Pending and Firing when omitted.</summary>
    [Parameter(ParameterSetName = "Filter")]
    public AlertStateName[]? State { get; set; }

    /// <summary>Only alerts of this wrapper.</summary>
    [Parameter(ParameterSetName = "Filter")]
    [ArgumentCompleter(typeof(WrapperNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Wrapper { get; set; }

    /// <summary>One alert by its id.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Id", Position = 0, ValueFromPipelineByPropertyName = true)]
    public long Id { get; set; }

    /// <summary>At most this many alerts.</summary>
    [Parameter(ParameterSetName = "Filter")]
    [ValidateRange(1, 100_000)]
    public int Last { get; set; } = 1000;

    protected override void ProcessRecord()
    {
        var config = LoadConfig();
        var query = ParameterSetName == "Id"
            ? new AlertQuery { Id = Id }
            : new AlertQuery
            {
                Severity = Severity is { } s ? (AlertSeverity)(int)s : null,
                States = State is { Length: > 0 } st ? st.Select(x => (AlertState)(int)x).ToList() : AlertQuery.Open.States,
                Wrapper = Wrapper,
                Limit = Last,
            };
        var alerts = RunWithEngine(config, (engine, _, ct) => engine.Alerts.GetAsync(query, ct));
        if (ParameterSetName == "Id" && alerts.Count == 0)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"There is no alert {Id}."), "AlertNotFound", ErrorCategory.ObjectNotFound, Id));
            return;
        }

        WriteObject(alerts, enumerateCollection: true);
    }
}
