using System.Management.Automation;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Logs;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>
/// What Search-OpsLog and Measure-OpsLog share: -Log (names or paths), -Since/-Until, -Wrapper, the log service
/// (without the state store; without a configuration at all when every -Log is a path), unreadable files as errors.
/// </summary>
public abstract class OpsLogCmdlet : OpsConfigCmdlet
{
    /// <summary>
    /// Log names (application, access, error, monitoring: each with its rotated and .gz siblings in the configuration's
    /// logs folder) or paths of log files (wildcards in the file name allowed).
    /// </summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(LogNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Log { get; set; }

    /// <summary>Only lines at or after this time: a date, or how long ago (1h, 30m, 2d, a TimeSpan). Lines without a timestamp are left out.</summary>
    [Parameter]
    [PointInTime]
    public DateTimeOffset? Since { get; set; }

    /// <summary>Only lines before this time: a date, or how long ago (1h, 30m, 2d, a TimeSpan).</summary>
    [Parameter]
    [PointInTime]
    public DateTimeOffset? Until { get; set; }

    /// <summary>Only lines about this wrapper (wrapper=..., a wrapper/slot pair, a Wrapper property).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(WrapperNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Wrapper { get; set; }

    /// <summary>-Log with names kept and paths resolved as PowerShell paths (~, relative, drives).</summary>
    protected IReadOnlyList<string> ResolveLogs() =>
        (Log ?? []).Select(l => LogService.IsLogName(l) ? l : GetUnresolvedProviderPathFromPSPath(l)).ToList();

    /// <summary>The log service on the configuration; when there is none and every -Log is a path, on the current folder.</summary>
    protected LogService OpenLogs()
    {
        try
        {
            return new LogService(OpsConfigLoader.Load(ResolveConfigPath()), TimeProvider.System);
        }
        catch (OpsConfigurationException ex) when (ex.Reason == ConfigurationFailure.NotFound && ConfigPath is null
            && Log is { Length: > 0 } && Log.All(l => !LogService.IsLogName(l)))
        {
            return new LogService(SessionState.Path.CurrentFileSystemLocation.ProviderPath, [], TimeProvider.System);
        }
        catch (OpsConfigurationException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
            throw; // unreachable
        }
    }

    /// <summary>Makes the engine's reporter write an unreadable file as a non-terminating error.</summary>
    private protected IOpsReporter Errors(CmdletReporter queue) => new LogCmdletReporter(queue, ToErrorRecord);
}
