using System.Management.Automation;
using Orchestrator.Ops.Core;
using System.Security;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Gets alerts: open ones by default, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "HealthAlert", DefaultParameterSetName = FilterSet)]
[OutputType(typeof(HealthAlert))]
public sealed class GetHealthAlertCommand : OpsConfigCmdlet
{
    private const string FilterSet = "Filter";
    private const string RemoteFilterSet = "RemoteFilter";
    private const string IdSet = "Id";
    private const string RemoteIdSet = "RemoteId";

    /// <summary>Only alerts of this severity.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    [Parameter(ParameterSetName = RemoteFilterSet)]
    public AlertSeverityName? Severity { get; set; }

    /// <summary>Only alerts in these states; Pending and Firing when omitted.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    [Parameter(ParameterSetName = RemoteFilterSet)]
    public AlertStateName[]? State { get; set; }

    /// <summary>Only alerts of this wrapper.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    [Parameter(ParameterSetName = RemoteFilterSet)]
    [ArgumentCompleter(typeof(WrapperNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Wrapper { get; set; }

    /// <summary>One alert by its id.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = RemoteIdSet, Position = 0, ValueFromPipelineByPropertyName = true)]
    public long Id { get; set; }

    /// <summary>At most this many alerts.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    [Parameter(ParameterSetName = RemoteFilterSet)]
    [ValidateRange(1, 100_000)]
    public int Last { get; set; } = 1000;

    /// <summary>Read the monitoring service's API at this address (e.g. https://host:5000) instead of the local store.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RemoteFilterSet)]
    [Parameter(Mandatory = true, ParameterSetName = RemoteIdSet)]
    [ValidateNotNull]
    public Uri? Uri { get; set; }

    /// <summary>The service's API key; $env:ORCHESTRATOR_OPS_API_KEY when omitted.</summary>
    [Parameter(ParameterSetName = RemoteFilterSet)]
    [Parameter(ParameterSetName = RemoteIdSet)]
    public SecureString? ApiKey { get; set; }

    /// <summary>Accept the service's TLS certificate without validating it (a self-signed certificate you know).</summary>
    [Parameter(ParameterSetName = RemoteFilterSet)]
    [Parameter(ParameterSetName = RemoteIdSet)]
    public SwitchParameter SkipCertificateCheck { get; set; }

    protected override void ProcessRecord()
    {
        var byId = ParameterSetName is IdSet or RemoteIdSet;
        var query = byId
            ? new AlertQuery { Id = Id }
            : new AlertQuery
            {
                Severity = Severity is { } s ? (AlertSeverity)(int)s : null,
                States = State is { Length: > 0 } st ? st.Select(x => (AlertState)(int)x).ToList() : AlertQuery.Open.States,
                Wrapper = Wrapper,
                Limit = Last,
            };
        IReadOnlyList<HealthAlert> alerts;
        if (Uri is not null)
        {
            using var client = ConnectApi(Uri, ApiKey, SkipCertificateCheck);
            TryRunApi(client, (c, ct) => c.GetAlertsAsync(query, ct), out var remote, out _);
            alerts = remote!;
        }
        else
        {
            var config = LoadConfig();
            alerts = RunWithEngine(config, (engine, _, ct) => engine.Alerts.GetAsync(query, ct));
        }

        if (byId && alerts.Count == 0)
        {
            WriteError(ErrorRecordFor(OpsErrorCodes.AlertNotFound, new ItemNotFoundException($"There is no alert {Id}."), Id));
            return;
        }

        WriteObject(alerts, enumerateCollection: true);
    }
}
