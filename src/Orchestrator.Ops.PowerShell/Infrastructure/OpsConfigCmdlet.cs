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
}
