using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>Completes slot names from the ops configuration.</summary>
public sealed class SlotNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ConfigNames.TryLoad(fakeBoundParameters) is { } config
            ? ConfigNames.Complete(config.Slots.Select(s => s.Name), wordToComplete)
            : [];
}
