using System.Management.Automation;
using Orchestrator.Ops.Core;
using System.Security;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Secrets;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// Rotates a managed secret: a new Pending version → written to every target beside the current value → the consumers
/// verified with it → Pending becomes Current, Current becomes Previous, valid for the grace period. A failure puts the
/// current value back everywhere. -All rotates every generated secret that is due; -CompleteExpired removes previous
/// values whose grace period has ended. Returns SecretRotationResult objects, never a value.
/// </summary>
[Cmdlet(VerbsData.Update, "Secret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = GenerateSet)]
[OutputType(typeof(SecretRotationResult))]
public sealed class UpdateSecretCommand : SecretCmdlet
{
    private const string GenerateSet = "Generate";
    private const string ValueSet = "Value";
    private const string CompleteExpiredSet = "CompleteExpired";
    private const string AllSet = "All";

    /// <summary>The secret(s) to rotate; binds from Get-ManagedSecret output.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = GenerateSet)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ValueSet)]
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = CompleteExpiredSet)]
    [ArgumentCompleter(typeof(SecretNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>A value issued elsewhere (a provider's API key).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ValueSet)]
    public SecureString? Value { get; set; }

    /// <summary>Generate a cryptographically random value (the default when -Value is not given).</summary>
    [Parameter(ParameterSetName = GenerateSet)]
    public SwitchParameter Generate { get; set; }

    /// <summary>Length of a generated value in characters (16-4096; default: the secret's configured length).</summary>
    [Parameter(ParameterSetName = GenerateSet)]
    [Parameter(ParameterSetName = AllSet)]
    [ValidateRange(16, 4096)]
    public int? Length { get; set; }

    /// <summary>How long the previous value stays valid (e.g. 24h, 7d; default from configuration). 0 removes it at once.</summary>
    [Parameter(ParameterSetName = GenerateSet)]
    [Parameter(ParameterSetName = ValueSet)]
    [Parameter(ParameterSetName = AllSet)]
    [DurationTransform]
    public TimeSpan? GracePeriod { get; set; }

    /// <summary>Resumes the rotation recorded under this token (it finishes or reverts), or starts one under it.</summary>
    [Parameter(ParameterSetName = GenerateSet)]
    [Parameter(ParameterSetName = ValueSet)]
    [ValidateNotNullOrEmpty]
    public string? RequestToken { get; set; }

    /// <summary>Rotate every generated secret that is due; secrets whose value comes from outside are reported as Due.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <summary>With -All: due means older than this (e.g. 30d); default: each secret's rotateAfterDays.</summary>
    [Parameter(ParameterSetName = AllSet)]
    [DurationTransform]
    public TimeSpan? OlderThan { get; set; }

    /// <summary>Remove previous values whose grace period has ended from the targets and the vault (the service does this on its own).</summary>
    [Parameter(Mandatory = true, ParameterSetName = CompleteExpiredSet)]
    public SwitchParameter CompleteExpired { get; set; }

    /// <summary>With -CompleteExpired: remove previous values even before their grace period ends.</summary>
    [Parameter(ParameterSetName = CompleteExpiredSet)]
    public SwitchParameter Force { get; set; }

    private readonly List<string> _names = [];

    protected override void ProcessRecord() => _names.AddRange(Name);

    protected override void EndProcessing()
    {
        if (GracePeriod is { } g && g < TimeSpan.Zero)
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.GracePeriodInvalid, new ArgumentException("-GracePeriod cannot be negative."), g));
        }

        if (OlderThan is { } o && o < TimeSpan.Zero)
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.OlderThanInvalid, new ArgumentException("-OlderThan cannot be negative."), o));
        }

        var config = LoadConfig();
        var options = EngineOptions(config);
        switch (ParameterSetName)
        {
            case CompleteExpiredSet:
                CompleteExpiredValues(config, options);
                return;
            case AllSet:
                RotateDue(config, options);
                return;
            default:
                foreach (var name in _names.Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    var definition = config.Secrets.Find(name);
                    if (definition is null)
                    {
                        WriteError(ToErrorRecord(new SecretException(SecretFailure.NotConfigured, name,
                            $"The configuration names no secret '{name}'. Configured: {string.Join(", ", config.Secrets.Items.Select(i => i.Name))}.")));
                        continue;
                    }

                    Rotate(config, options, definition, Value);
                }

                return;
        }
    }

    private void Rotate(OpsConfig config, Core.OpsEngineOptions options, ManagedSecretDefinition definition, SecureString? value)
    {
        var what = SecretService.DescribeRotation(config, definition, valueGiven: Value is not null, GracePeriod);
        if (!ShouldProcess(what, what, "Update-Secret"))
        {
            return;
        }

        var request = new SecretRotationRequest
        {
            Name = definition.Name,
            Value = value is null ? null : SecretValue.FromString(Reveal(value)),
            Length = Length,
            GracePeriod = GracePeriod,
            RequestToken = RequestToken,
            RequestedBy = Core.IO.Actor.Current,
        };
        // A refusal or failure of one secret is a non-terminating error, so the others (-All, several names) still run.
        var (result, error) = RunWithEngine(config, options, async (engine, reporter, ct) =>
        {
            try
            {
                return ((SecretRotationResult?)await engine.Secrets.RotateAsync(request, reporter, ct).ConfigureAwait(false), (Exception?)null);
            }
            catch (Exception e) when (e is SecretException or VaultException or Core.Secrets.Targets.SecretTargetException)
            {
                return (null, e);
            }
        });
        FlushWarnings();
        if (error is not null)
        {
            WriteError(ToErrorRecord(error));
            return;
        }

        Emit(result!);
    }

    private void RotateDue(OpsConfig config, Core.OpsEngineOptions options)
    {
        var due = RunWithEngine(config, options, (engine, _, ct) => engine.Secrets.PlanDueAsync(OlderThan, ct));
        FlushWarnings();
        WriteVerbose($"{due.Count} of {config.Secrets.Items.Count} secret(s) due.");
        foreach (var item in due)
        {
            if (item.Due is { } result)
            {
                if (item.Warning is { } warning)
                {
                    WriteWarning(warning);
                }

                WriteObject(result);
                continue;
            }

            Rotate(config, options, item.Definition, null);
        }
    }

    private void CompleteExpiredValues(OpsConfig config, Core.OpsEngineOptions options)
    {
        var names = _names.Count == 0 ? null : _names;
        var what = Force ? "remove every previous value from the targets and the vault now" : "remove previous values whose grace period has ended";
        if (!ShouldProcess(names is null ? "all managed secrets" : string.Join(", ", names), what))
        {
            return;
        }

        var results = RunWithEngine(config, options, (engine, reporter, ct) => engine.Secrets.CompleteExpiredAsync(names, Force, reporter, ct));
        FlushWarnings();
        if (results.Count == 0)
        {
            WriteVerbose("No previous value was due for removal.");
        }

        foreach (var r in results)
        {
            Emit(r);
        }
    }

    private void Emit(SecretRotationResult result)
    {
        WriteObject(result);
        if (!result.Succeeded && result.Outcome != SecretRotationOutcome.Due)
        {
            WriteError(ErrorRecordFor(OpsErrorCodes.Get($"Secret{result.Outcome}"),
                new InvalidOperationException($"The rotation of '{result.Name}' was {result.Outcome.ToString().ToLowerInvariant()}: {result.Reason}"), result.Name));
        }
    }
}
