using System.Management.Automation;
using Orchestrator.Ops.Core;
using System.Security;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Remote;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Gets the health of each wrapper in each slot.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "WrapperHealth", DefaultParameterSetName = LocalSet)]
[OutputType(typeof(WrapperHealth))]
public sealed class GetWrapperHealthCommand : OpsConfigCmdlet
{
    private const string LocalSet = "Local";
    private const string RemoteSet = "Remote";

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
        if (ParameterSetName == RemoteSet)
        {
            EndRemote();
            return;
        }

        var config = LoadConfig();
        if (Slot is not null && config.FindSlot(Slot) is null)
        {
            ThrowTerminatingError(SlotNotFound(config, Slot));
        }

        var selected = _anyNameGiven ? SelectNames(config.Wrappers.Select(w => w.Name), name => WrapperNotFound(config, name)) : null;
        if (selected is { Count: 0 })
        {
            return;
        }

        var results = RunWithEngine(config, (engine, reporter, ct) =>
            engine.Health.GetWrapperHealthAsync(selected, Slot, Live, reporter, ct));
        Write(results);
    }

    private void Write(IEnumerable<WrapperHealth> results)
    {
        foreach (var r in results.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.Slot, StringComparer.OrdinalIgnoreCase))
        {
            WriteObject(r);
        }
    }

    private void EndRemote()
    {
        using var client = ConnectApi(Uri!, ApiKey, SkipCertificateCheck);
        if (!TryRunApi(client, (c, ct) => c.GetWrapperHealthAsync(null, Slot, ct), out var all, out var failure, OpsApiFailure.BadRequest))
        {
            ThrowTerminatingError(RemoteNotFound(OpsErrorCodes.SlotNotFound, failure!, Slot!));
        }

        if (!_anyNameGiven)
        {
            Write(all!);
            return;
        }

        var known = all!.Select(w => w.Name).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
        var selected = SelectNames(known, name => WrapperNotFound(client.ServiceUri, known, name));
        Write(all!.Where(w => selected.Contains(w.Name)));
    }

    /// <summary>
    /// The known wrapper names the -Name patterns match (wildcards, any case). A plain name that matches none is a
    /// non-terminating error; a pattern that matches none is not.
    /// </summary>
    private HashSet<string> SelectNames(IEnumerable<string> known, Func<string, ErrorRecord> notFound)
    {
        var names = known.ToList();
        var selected = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in _names)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = names.Where(pattern.IsMatch).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(notFound(name));
            }

            selected.UnionWith(matches);
        }

        return selected;
    }
}
