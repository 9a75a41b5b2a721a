using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>Reads names for tab completion from the configuration the command would use; never throws.</summary>
internal static class ConfigNames
{
    public static IEnumerable<CompletionResult> Complete(IEnumerable<string> names, string wordToComplete)
    {
        var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return names
            .Where(pattern.IsMatch)
            .Order(StringComparer.OrdinalIgnoreCase)
            .Select(n => new CompletionResult(n.Contains(' ', StringComparison.Ordinal) ? $"'{n}'" : n, n, CompletionResultType.ParameterValue, n));
    }

    public static OpsConfig? TryLoad(IDictionary fakeBoundParameters)
    {
        try
        {
            var explicitPath = fakeBoundParameters?["ConfigPath"] as string;
            // Relative paths are relative to the session's location, as when the command runs.
            // A completer runs inside the running pipeline, so ask the current runspace through a nested command.
            using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            var location = ps.AddCommand("Microsoft.PowerShell.Management\\Get-Location").Invoke<PathInfo>().FirstOrDefault()?.ProviderPath;
            return OpsConfigLoader.Load(OpsConfigLoader.ResolvePath(explicitPath, SessionDefaults.ConfigPath, location));
        }
        catch (Exception ex) when (ex is OpsConfigurationException or IOException or UnauthorizedAccessException or ArgumentException or PSInvalidOperationException)
        {
            return null;
        }
    }
}
