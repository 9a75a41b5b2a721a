using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>Completes wrapper names from the ops configuration.</summary>
public sealed class WrapperNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ConfigNames.TryLoad(fakeBoundParameters) is { } config
            ? ConfigNames.Complete(config.Wrappers.Select(w => w.Name), wordToComplete)
            : [];
}
