using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.ServiceProcess;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Stops the monitoring service of a configuration gracefully.</summary>
[Cmdlet(VerbsLifecycle.Stop, "OpsService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class StopOpsServiceCommand : OpsConfigCmdlet
{
    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var running = OpsServiceLauncher.GetRunning(config);
        if (running is null)
        {
            WriteError(ErrorRecordFor(OpsErrorCodes.ServiceNotRunning,
                new InvalidOperationException($"No monitoring service is running for '{config.SourcePath}'."),
                config.SourcePath));
            return;
        }

        if (!ShouldProcess(config.SourcePath, $"Stop the monitoring service (process {running.ProcessId}, {running.ApiUrl})"))
        {
            return;
        }

        Run((reporter, ct) => OpsServiceLauncher.StopAsync(config, reporter, ct));
        WriteVerbose($"The monitoring service (process {running.ProcessId}) stopped.");
    }
}
