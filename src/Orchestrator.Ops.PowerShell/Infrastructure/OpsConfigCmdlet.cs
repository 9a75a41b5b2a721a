using System.Management.Automation;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>A cmdlet that works on an ops configuration, found by -ConfigPath, the environment or the session default.</summary>
public abstract class OpsConfigCmdlet : OpsCmdlet
{
    /// <summary>
    /// The ops configuration file. Defaults to $env:ORCHESTRATOR_OPS_CONFIG, else the configuration
    /// Start-OpsSandbox made the session default.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>The configuration file this command uses; PowerShell paths (~, drives, relative) are resolved.</summary>
    protected string ResolveConfigPath() =>
        OpsConfigLoader.ResolvePath(
            ConfigPath is null ? null : GetUnresolvedProviderPathFromPSPath(ConfigPath),
            SessionDefaults.ConfigPath,
            SessionState.Path.CurrentFileSystemLocation.ProviderPath);

    /// <summary>Resolves and loads the configuration; a broken one ends the command with a clear error.</summary>
    protected OpsConfig LoadConfig()
    {
        try
        {
            return OpsConfigLoader.Load(ResolveConfigPath());
        }
        catch (OpsConfigurationException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
            throw; // unreachable
        }
    }

    /// <summary>The error for a wrapper name the configuration does not have.</summary>
    protected static ErrorRecord WrapperNotFound(OpsConfig config, string name) => new(
        new ItemNotFoundException($"There is no wrapper '{name}' in '{config.SourcePath}'. Wrappers: {string.Join(", ", config.Wrappers.Select(w => w.Name))}."),
        "WrapperNotFound", ErrorCategory.ObjectNotFound, name);

    /// <summary>The error for a slot name the configuration does not have.</summary>
    protected static ErrorRecord SlotNotFound(OpsConfig config, string name) => new(
        new ItemNotFoundException($"There is no slot '{name}' in '{config.SourcePath}'. Slots: {string.Join(", ", config.Slots.Select(s => s.Name))}."),
        "SlotNotFound", ErrorCategory.ObjectNotFound, name);
}
