using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.SandboxProcess;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Stops a sandbox fleet.</summary>
[Cmdlet(VerbsLifecycle.Stop, "OpsSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class StopOpsSandboxCommand : OpsCmdlet
{
    /// <summary>The sandbox root. Defaults to the one this session started, else the default root.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Root { get; set; }

    protected override void ProcessRecord()
    {
        var root = Root is not null ? GetUnresolvedProviderPathFromPSPath(Root) : SessionDefaults.SandboxRoot ?? SandboxLauncher.DefaultRoot;
        var running = SandboxLauncher.GetRunning(root);
        if (running is null)
        {
            WriteError(ErrorRecordFor(OpsErrorCodes.SandboxNotRunning,
                new InvalidOperationException($"No sandbox is running under '{root}'."),
                root));
            return;
        }

        if (!ShouldProcess(root, $"Stop the sandbox fleet (process {running.ProcessId})"))
        {
            return;
        }

        Run((reporter, ct) => SandboxLauncher.StopAsync(root, reporter, ct));
        WriteVerbose($"Sandbox process {running.ProcessId} under '{root}' stopped.");
        if (string.Equals(SessionDefaults.ConfigPath, running.ConfigPath, StringComparison.Ordinal))
        {
            // Its wrappers are gone; a default pointing at them would only record refused connections.
            SessionDefaults.ConfigPath = null;
            SessionDefaults.SandboxRoot = null;
            WriteVerbose($"'{running.ConfigPath}' is no longer the session default; pass -ConfigPath to read its history.");
        }
    }
}
