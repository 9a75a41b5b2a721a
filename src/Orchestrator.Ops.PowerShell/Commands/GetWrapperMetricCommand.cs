using System.Management.Automation;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Gets hourly metrics of one wrapper.</summary>
[Cmdlet(VerbsCommon.Get, "WrapperMetric")]
[OutputType(typeof(WrapperMetricBucket))]
public sealed class GetWrapperMetricCommand : OpsConfigCmdlet
{
    /// <summary>The wrapper.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(WrapperNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The slot; the active slot when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SlotNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Slot { get; set; }

    /// <summary>How many hours back, counting the current one.</summary>
    [Parameter]
    [ValidateRange(1, 24 * 31)]
    public int Hours { get; set; } = 24;

    protected override void ProcessRecord()
    {
        var config = LoadConfig();
        var wrapper = config.FindWrapper(Name);
        if (wrapper is null)
        {
            WriteError(WrapperNotFound(config, Name));
            return;
        }

        if (Slot is not null && config.FindSlot(Slot) is null)
        {
            WriteError(SlotNotFound(config, Slot));
            return;
        }

        var buckets = RunWithEngine(config, async (engine, reporter, ct) =>
        {
            var slot = Slot is null ? await engine.Health.GetActiveSlotAsync(ct).ConfigureAwait(false) : config.FindSlot(Slot)!.Name;
            return await engine.Health.GetMetricsAsync(wrapper.Name, slot, Hours, ct).ConfigureAwait(false);
        });
        WriteObject(buckets, enumerateCollection: true);
    }
}
