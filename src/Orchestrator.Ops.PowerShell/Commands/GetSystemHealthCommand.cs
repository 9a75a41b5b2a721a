using System.Management.Automation;
using System.Security;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Gets the runbook's system health over the wrappers of the active slot.</summary>
[Cmdlet(VerbsCommon.Get, "SystemHealth", DefaultParameterSetName = LocalSet)]
[OutputType(typeof(SystemHealth))]
public sealed class GetSystemHealthCommand : OpsConfigCmdlet
{
    private const string LocalSet = "Local";
    private const string RemoteSet = "Remote";

    /// <summary>Probe now, even if a recent probe is stored. Local only: the service probes on its own schedule.</summary>
    [Parameter(ParameterSetName = LocalSet)]
    public SwitchParameter Live { get; set; }

    /// <summary>Read the monitoring service's API at this address (e.g. https://host:5000) instead of the local store.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RemoteSet)]
    [ValidateNotNull]
    public Uri? Uri { get; set; }

    /// <summary>The service's API key; $env:ORCHESTRATOR_OPS_API_KEY when omitted.</summary>
    [Parameter(ParameterSetName = RemoteSet)]
    public SecureString? ApiKey { get; set; }

    /// <summary>Accept the service's TLS certificate without validating it (a self-signed certificate you know).</summary>
    [Parameter(ParameterSetName = RemoteSet)]
    public SwitchParameter SkipCertificateCheck { get; set; }

    protected override void EndProcessing()
    {
        if (ParameterSetName == RemoteSet)
        {
            using var client = ConnectApi(Uri!, ApiKey, SkipCertificateCheck);
            TryRunApi(client, (c, ct) => c.GetSystemHealthAsync(ct), out var remote, out _);
            WriteObject(remote);
            return;
        }

        var config = LoadConfig();
        WriteObject(RunWithEngine(config, (engine, reporter, ct) => engine.Health.GetSystemHealthAsync(Live, reporter, ct)));
    }
}
