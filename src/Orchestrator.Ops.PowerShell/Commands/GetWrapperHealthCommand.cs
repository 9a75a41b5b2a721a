using System.Management.Automation;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Gets the health of each wrapper in each slot.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "WrapperHealth")]
[OutputType(typeof(WrapperHealth))]
public sealed class GetWrapperHealthCommand : OpsConfigCmdlet
{
    private readonly List<string> _names = [];
    private bool _anyNameGiven;

    /// <summary>Wrapper names; wildcards allowed. All wrappers when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(WrapperNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only this slot (blue, green). All slots when omitted.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(SlotNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Slot { get; set; }

    /// <summary>Probe now, even if a recent probe is stored.</summary>
    [Parameter]
    public SwitchParameter Live { get; set; }

    protected override void ProcessRecord()
    {
        if (Name is not null)
        {
            _anyNameGiven = true;
            _names.AddRange(Name);
        }
    }

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        if (Slot is not null && config.FindSlot(Slot) is null)
        {
            ThrowTerminatingError(SlotNotFound(config, Slot));
        }

        var selected = _anyNameGiven ? ResolveNames(config) : null;
        if (selected is { Count: 0 })
        {
            return;
        }

        var results = RunWithEngine(config, (engine, reporter, ct) =>
            engine.Health.GetWrapperHealthAsync(selected, Slot, Live, reporter, ct));
        foreach (var r in results.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.Slot, StringComparer.OrdinalIgnoreCase))
        {
            WriteObject(r);
        }
    }

    private HashSet<string> ResolveNames(OpsConfig config)
    {
        var selected = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in _names)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = config.Wrappers.Where(w => pattern.IsMatch(w.Name)).Select(w => w.Name).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(WrapperNotFound(config, name));
            }

            selected.UnionWith(matches);
        }

        return selected;
    }
}
