using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Host;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// CPU, memory and disk use of the host and of the monitoring service's process, against the runbook's targets
/// (the thresholds of the CpuHigh, MemoryHigh and DiskHigh alert rules: 70, 80 and 80 % by default). The service's
/// alerting reads the same numbers.
/// </summary>
[Cmdlet(VerbsCommon.Get, "OpsResourceUsage")]
[OutputType(typeof(ResourceUsage))]
public sealed class GetOpsResourceUsageCommand : OpsConfigCmdlet
{
    /// <summary>How long CPU use is measured over (CPU use is the busy share between two readings). Default 1 second; 100 ms to 10 minutes.</summary>
    [Parameter]
    [DurationTransform]
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Only the host's rows, or only the service process's.</summary>
    [Parameter]
    [ValidateSet(ResourceUsage.HostScope, ResourceUsage.ServiceScope, IgnoreCase = true)]
    public string[]? Scope { get; set; }

    /// <summary>Only the resources over their target.</summary>
    [Parameter]
    public SwitchParameter OverTarget { get; set; }

    protected override void EndProcessing()
    {
        if (SampleInterval < ResourceService.MinInterval || SampleInterval > ResourceService.MaxInterval)
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.SampleIntervalOutOfRange,
                new ArgumentException($"-SampleInterval {SampleInterval} is out of range; give {ResourceService.MinInterval.TotalMilliseconds:0} ms to {ResourceService.MaxInterval.TotalMinutes:0} minutes (e.g. 2s).", nameof(SampleInterval)),
                SampleInterval));
        }

        var config = LoadConfig();
        // Not through the engine: resource use is what one checks when the store is locked, and needs no store.
        var service = new ResourceService(config, TimeProvider.System);
        var rows = Run((reporter, ct) => service.SampleAsync(SampleInterval, reporter, ct));
        foreach (var row in rows)
        {
            if ((Scope is null || Scope.Contains(row.Scope, StringComparer.OrdinalIgnoreCase)) && (!OverTarget || row.Status == ResourceStatus.OverTarget))
            {
                WriteObject(row);
            }
        }
    }
}
