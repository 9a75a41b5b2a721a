using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Orchestrator.Ops.Core.Logs;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>Completes log names (application, access, error, monitoring, and other logs in the configuration's logs folder); paths complete as files.</summary>
public sealed class LogNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        if (word.Length > 0 && !LogService.IsLogName(word))
        {
            // A path: nothing from here, so PowerShell completes it as a file path.
            return [];
        }

        var names = ConfigNames.TryLoad(fakeBoundParameters) is { } config
            ? new LogService(config, TimeProvider.System).GetLogNames()
            : (IReadOnlyList<string>)["application", "access", "error", "monitoring"];
        return ConfigNames.Complete(names, word);
    }
}
