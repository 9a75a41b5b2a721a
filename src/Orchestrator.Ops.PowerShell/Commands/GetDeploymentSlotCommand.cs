using System.Management.Automation;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>The deployment slots: which is active, the version its wrappers report now, its health, and when it last became active.</summary>
[Cmdlet(VerbsCommon.Get, "DeploymentSlot")]
[OutputType(typeof(DeploymentSlot))]
public sealed class GetDeploymentSlotCommand : OpsConfigCmdlet
{
    /// <summary>Only these slots (wildcards allowed); all by default.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SlotNameCompleter))]
    public string[]? Name { get; set; }

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var patterns = (Name ?? ["*"]).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var n in Name ?? [])
        {
            if (!WildcardPattern.ContainsWildcardCharacters(n) && config.FindSlot(n) is null)
            {
                WriteError(SlotNotFound(config, n));
            }
        }

        var slots = RunWithEngine(config, (engine, reporter, ct) => engine.Deployment.GetSlotsAsync(reporter, ct));
        foreach (var slot in slots.Where(s => patterns.Any(p => p.IsMatch(s.Name))))
        {
            WriteObject(slot);
        }
    }
}
