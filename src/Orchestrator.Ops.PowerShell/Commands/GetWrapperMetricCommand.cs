using System.Management.Automation;
using Orchestrator.Ops.Core;
using System.Security;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Remote;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>Gets hourly metrics of one wrapper.</summary>
[Cmdlet(VerbsCommon.Get, "WrapperMetric", DefaultParameterSetName = LocalSet)]
[OutputType(typeof(WrapperMetricBucket))]
public sealed class GetWrapperMetricCommand : OpsConfigCmdlet
{
    private const string LocalSet = "Local";
    private const string RemoteSet = "Remote";

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
        if (ParameterSetName == RemoteSet)
        {
            ProcessRemote();
            return;
        }

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

    private void ProcessRemote()
    {
        using var client = ConnectApi(Uri!, ApiKey, SkipCertificateCheck);
        if (TryRunApi(client, (c, ct) => c.GetMetricsAsync(Name, Slot, Hours, ct), out var buckets, out var failure, OpsApiFailure.NotFound, OpsApiFailure.BadRequest))
        {
            WriteObject(buckets, enumerateCollection: true);
        }
        else if (failure!.Failure == OpsApiFailure.BadRequest && Slot is not null)
        {
            WriteError(RemoteNotFound(OpsErrorCodes.SlotNotFound, failure, Slot));
        }
        else if (failure.Failure == OpsApiFailure.NotFound && failure.ServiceMessage?.StartsWith("Unknown wrapper", StringComparison.OrdinalIgnoreCase) == true)
        {
            WriteError(RemoteNotFound(OpsErrorCodes.WrapperNotFound, failure, Name));
        }
        else
        {
            ThrowTerminatingError(ToErrorRecord(failure));
        }
    }
}
