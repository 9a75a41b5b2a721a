using System.Management.Automation;
using Orchestrator.Ops.Core.ServiceProcess;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Says whether the monitoring service of a configuration runs and answers.</summary>
[Cmdlet(VerbsCommon.Get, "OpsService")]
[OutputType(typeof(OpsServiceStatus))]
public sealed class GetOpsServiceCommand : OpsConfigCmdlet
{
    protected override void EndProcessing()
    {
        var config = LoadConfig();
        WriteObject(Run((_, ct) => OpsServiceLauncher.GetStatusAsync(config, ct)));
    }
}
