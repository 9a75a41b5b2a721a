using System.Management.Automation;
using Orchestrator.Ops.Core;
using System.Runtime.InteropServices;
using System.Security;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Remote;

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
    protected static ErrorRecord WrapperNotFound(OpsConfig config, string name) => ErrorRecordFor(
        OpsErrorCodes.WrapperNotFound,
        new ItemNotFoundException($"There is no wrapper '{name}' in '{config.SourcePath}'. Wrappers: {string.Join(", ", config.Wrappers.Select(w => w.Name))}."),
        name);

    /// <summary>The error for a slot name the configuration does not have.</summary>
    protected static ErrorRecord SlotNotFound(OpsConfig config, string name) => ErrorRecordFor(
        OpsErrorCodes.SlotNotFound,
        new ItemNotFoundException($"There is no slot '{name}' in '{config.SourcePath}'. Slots: {string.Join(", ", config.Slots.Select(s => s.Name))}."),
        name);

    /// <summary>The variable that holds the API key when -ApiKey is not given.</summary>
    public const string ApiKeyVariable = "ORCHESTRATOR_OPS_API_KEY";

    /// <summary>
    /// A client for the monitoring service at <paramref name="uri"/>. The key comes from -ApiKey, else from
    /// $env:ORCHESTRATOR_OPS_API_KEY; the SecureString becomes a string only here, inside the client, and nowhere else.
    /// </summary>
    protected OpsApiClient ConnectApi(Uri uri, SecureString? apiKey, bool skipCertificateCheck)
    {
        if (ConfigPath is not null)
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.ConfigPathWithUri,
                new ArgumentException("-ConfigPath and -Uri do not go together: -Uri reads the monitoring service's API, -ConfigPath the local store."),
                ConfigPath));
        }

        var key = apiKey is { Length: > 0 } ? Plain(apiKey) : Environment.GetEnvironmentVariable(ApiKeyVariable);
        if (string.IsNullOrWhiteSpace(key))
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.ApiKeyMissing,
                new ArgumentException($"No API key for {uri}: pass -ApiKey (a SecureString, e.g. Read-Host -AsSecureString) or set $env:{ApiKeyVariable}."),
                uri,
                recommendedAction: "The key is in the service's API key file (Get-OpsService shows where) on the service's host.",
                message: $"No API key for {uri}: pass -ApiKey or set $env:{ApiKeyVariable}."));
        }

        try
        {
            return new OpsApiClient(uri, key!.Trim(), skipCertificateCheck);
        }
        catch (ArgumentException ex)
        {
            ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.ApiUriInvalid, ex, uri));
            throw; // unreachable
        }
    }

    /// <summary>
    /// Runs one API call; a failure of the kinds in <paramref name="expected"/> comes back in <paramref name="failure"/>
    /// for the cmdlet to report like its local twin, any other ends the command with its Api* error.
    /// </summary>
    protected bool TryRunApi<T>(OpsApiClient client, Func<OpsApiClient, CancellationToken, Task<T>> work, out T? result, out OpsApiException? failure, params OpsApiFailure[] expected)
    {
        var (value, error) = Run<(T?, OpsApiException?)>(async (_, ct) =>
        {
            try
            {
                return (await work(client, ct).ConfigureAwait(false), null);
            }
            catch (OpsApiException ex) when (expected.Contains(ex.Failure))
            {
                return (default, ex);
            }
        });
        result = value;
        failure = error;
        return error is null;
    }

    /// <summary>The error for a wrapper name the service does not know, like <see cref="WrapperNotFound(OpsConfig, string)"/>.</summary>
    protected static ErrorRecord WrapperNotFound(Uri service, IEnumerable<string> known, string name) => ErrorRecordFor(
        OpsErrorCodes.WrapperNotFound,
        new ItemNotFoundException($"There is no wrapper '{name}' at {service}. Wrappers: {string.Join(", ", known)}."),
        name);

    /// <summary>The error for a wrapper or slot the service refused, with the service's own words (which list the known ones).</summary>
    protected static ErrorRecord RemoteNotFound(OpsErrorCode code, OpsApiException ex, string name) => ErrorRecordFor(
        code,
        new ItemNotFoundException($"{ex.ServiceMessage ?? ex.Message} ({ex.ServiceUri})", ex),
        name);

    private static string Plain(SecureString secure)
    {
        var ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            return Marshal.PtrToStringUni(ptr) ?? string.Empty;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }
}
