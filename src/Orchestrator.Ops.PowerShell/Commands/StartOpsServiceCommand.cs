using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.ServiceProcess;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Starts the monitoring service of a configuration in the background.</summary>
[Cmdlet(VerbsLifecycle.Start, "OpsService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OpsServiceInfo))]
public sealed class StartOpsServiceCommand : OpsConfigCmdlet
{
    /// <summary>Return the running service's description.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Let the service outlive this PowerShell session.</summary>
    [Parameter]
    public SwitchParameter Detach { get; set; }

    /// <summary>How long to wait for the service to listen.</summary>
    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSec { get; set; } = 60;

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var s = config.Service;
        if (!ShouldProcess(config.SourcePath, $"Start the monitoring service (API https://{s.ListenAddress}:{s.ApiPort}, state under {s.StateFolder})"))
        {
            return;
        }

        var moduleFolder = Path.GetDirectoryName(typeof(StartOpsServiceCommand).Assembly.Location)!;
        var assembly = OpsServiceLauncher.FindServiceAssembly(moduleFolder);
        if (assembly is null)
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.ServiceNotFound,
                new FileNotFoundException($"The service ({OpsServiceLauncher.ServiceAssemblyName}) is not in '{moduleFolder}/service'. Rebuild the module with ./build.ps1 Build."),
                moduleFolder));
        }

        var info = Run((reporter, ct) => OpsServiceLauncher.StartAsync(config, assembly!, Detach, TimeSpan.FromSeconds(TimeoutSec), reporter, ct));
        WriteVerbose($"The monitoring service runs as process {info.ProcessId} at {info.ApiUrl}; its API key is in '{info.ApiKeyPath}'.");
        if (PassThru)
        {
            WriteObject(info);
        }
    }
}
