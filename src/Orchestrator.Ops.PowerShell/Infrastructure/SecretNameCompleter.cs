using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>Completes managed secret names (the configured ones and the built-in service-api-key) from the ops configuration.</summary>
public sealed class SecretNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ConfigNames.TryLoad(fakeBoundParameters) is { } config
            ? ConfigNames.Complete(config.Secrets.Items.Select(s => s.Name), wordToComplete)
            : [];
}
