using System.Management.Automation;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Gets the runbook's system health over the wrappers of the active slot.</summary>
[Cmdlet(VerbsCommon.Get, "SystemHealth")]
[OutputType(typeof(SystemHealth))]
public sealed class GetSystemHealthCommand : OpsConfigCmdlet
{
    /// <summary>Probe now, even if a recent probe is stored.</summary>
    [Parameter]
    public SwitchParameter Live { get; set; }

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        WriteObject(RunWithEngine(config, (engine, reporter, ct) => engine.Health.GetSystemHealthAsync(Live, reporter, ct)));
    }
}
