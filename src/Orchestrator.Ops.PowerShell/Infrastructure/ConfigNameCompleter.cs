using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>Completes names that the ops configuration lists (the one the command would use); nothing when it cannot be read.</summary>
public abstract class ConfigNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ConfigNames.TryLoad(fakeBoundParameters) is { } config ? ConfigNames.Complete(Names(config), wordToComplete) : [];

    protected abstract IEnumerable<string> Names(OpsConfig config);
}

/// <summary>Completes wrapper names from the ops configuration.</summary>
public sealed class WrapperNameCompleter : ConfigNameCompleter
{
    protected override IEnumerable<string> Names(OpsConfig config) => config.Wrappers.Select(w => w.Name);
}

/// <summary>Completes slot names from the ops configuration.</summary>
public sealed class SlotNameCompleter : ConfigNameCompleter
{
    protected override IEnumerable<string> Names(OpsConfig config) => config.Slots.Select(s => s.Name);
}

/// <summary>Completes managed secret names (the configured ones and the built-in service-api-key) from the ops configuration.</summary>
public sealed class SecretNameCompleter : ConfigNameCompleter
{
    protected override IEnumerable<string> Names(OpsConfig config) => config.Secrets.Items.Select(s => s.Name);
}
