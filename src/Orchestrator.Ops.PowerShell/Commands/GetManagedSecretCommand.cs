using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Secrets;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// The managed secrets' metadata: current version, age, pending and previous versions, targets. The value itself comes
/// back only with -AsPlainText or -AsSecureString.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ManagedSecret", DefaultParameterSetName = MetadataSet)]
[OutputType(typeof(ManagedSecretInfo), ParameterSetName = [MetadataSet])]
[OutputType(typeof(string), ParameterSetName = [PlainTextSet])]
[OutputType(typeof(System.Security.SecureString), ParameterSetName = [SecureStringSet])]
public sealed class GetManagedSecretCommand : SecretCmdlet
{
    private const string MetadataSet = "Metadata";
    private const string PlainTextSet = "PlainText";
    private const string SecureStringSet = "SecureString";

    /// <summary>Secret names; wildcards allowed in metadata mode. Binds from pipeline objects with a Name.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = MetadataSet)]
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PlainTextSet)]
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = SecureStringSet)]
    [ArgumentCompleter(typeof(SecretNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only secrets due for rotation (older than their rotation age, or without a value).</summary>
    [Parameter(ParameterSetName = MetadataSet)]
    public SwitchParameter Due { get; set; }

    /// <summary>Return the current value as plain text. It is then in your session's memory and history.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PlainTextSet)]
    public SwitchParameter AsPlainText { get; set; }

    /// <summary>Return the current value as a SecureString.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SecureStringSet)]
    public SwitchParameter AsSecureString { get; set; }

    private readonly List<string> _names = [];

    protected override void ProcessRecord()
    {
        if (Name is not null)
        {
            _names.AddRange(Name);
        }
    }

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        var options = EngineOptions(config);
        if (ParameterSetName == MetadataSet)
        {
            var all = RunWithEngine(config, options, (engine, _, ct) => engine.Secrets.GetAsync(ct));
            FlushWarnings();
            var patterns = _names.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
            foreach (var n in _names.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && !all.Any(s => string.Equals(s.Name, n, StringComparison.OrdinalIgnoreCase))))
            {
                WriteError(ErrorRecordFor(OpsErrorCodes.SecretNotFound, new ItemNotFoundException($"There is no managed secret '{n}'. Secrets: {string.Join(", ", all.Select(s => s.Name))}."), n));
            }

            foreach (var s in all.Where(s => (patterns.Count == 0 || patterns.Any(p => p.IsMatch(s.Name))) && (!Due || s.Due)))
            {
                WriteObject(s);
            }

            return;
        }

        foreach (var n in _names.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (WildcardPattern.ContainsWildcardCharacters(n))
            {
                WriteError(ErrorRecordFor(OpsErrorCodes.SecretNameIsPattern, new ArgumentException($"'{n}': a value is returned only for an exact secret name, not a pattern."), n));
                continue;
            }

            var (value, missing) = RunWithEngine(config, options, (engine, _, _) =>
            {
                try
                {
                    return Task.FromResult<(SecretValue?, SecretException?)>((engine.Secrets.Reveal(n), null));
                }
                catch (SecretException e) when (e.Failure == SecretFailure.NoValue)
                {
                    return Task.FromResult<(SecretValue?, SecretException?)>((null, e));
                }
            });
            FlushWarnings();
            if (value is null)
            {
                WriteError(ToErrorRecord(missing!));
                continue;
            }

            WriteObject(AsPlainText ? value.RevealString() : ToSecureString(value));
        }
    }
}
