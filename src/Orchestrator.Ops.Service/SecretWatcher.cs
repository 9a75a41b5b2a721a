using Microsoft.Extensions.Hosting;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.Secrets;
using Orchestrator.Ops.Core.Secrets.Targets;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Service;

/// <summary>
/// The service's side of secret rotation: every interval it removes from the targets (and the vault) each previous value
/// whose grace period has ended — the last step of a rotation. It works only with a key it can get unattended
/// (environment or key file); a failure is logged and the watch goes on.
/// </summary>
internal sealed class SecretWatcher(OpsEngine engine, TimeProvider time, ServiceHostOptions options) : BackgroundService
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    private readonly Serilog.ILogger _log = engine.Log.ForCategory("secrets");
    private bool _warnedNoKey;

    /// <summary>Raised after each pass (tests wait on it instead of sleeping).</summary>
    public event Action? Passed;

    /// <summary>
    /// Makes the service's API key the managed secret service-api-key when it is not one yet: the key in the key file is
    /// imported as its first version (so clients keep working), or a new one is generated into the file.
    /// </summary>
    public static async Task ProvisionApiKeyAsync(OpsEngine engine, Serilog.ILogger log, CancellationToken cancellationToken)
    {
        var secrets = engine.Config.Secrets;
        if (!secrets.ManageServiceApiKey || (!VaultAccess.HasUnattendedKey(secrets) && File.Exists(secrets.VaultPath)))
        {
            return;
        }

        try
        {
            var result = await engine.Secrets.ProvisionAsync(SecretSettings.ServiceApiKeyName, importExisting: true,
                $"service@{Environment.MachineName}", new LogReporter(log, null), cancellationToken).ConfigureAwait(false);
            if (result is not null)
            {
                log.Information("The API key is now the managed secret {Secret} (version {Version}); rotate it with Update-Secret -Name {Secret}",
                    SecretSettings.ServiceApiKeyName, result.ToVersion, SecretSettings.ServiceApiKeyName);
            }
        }
        catch (Exception e) when (e is VaultException or SecretException or SecretTargetException or IOException)
        {
            log.Warning("The API key could not be made a managed secret, so it is used as its file holds it: {Error}", e.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SecretWatchInterval ?? DefaultInterval, time);
        var reporter = new LogReporter(_log, null);
        try
        {
            do
            {
                await PassAsync(reporter, stoppingToken).ConfigureAwait(false);
                Passed?.Invoke();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PassAsync(LogReporter reporter, CancellationToken ct)
    {
        var secrets = engine.Config.Secrets;
        if (!File.Exists(secrets.VaultPath))
        {
            return;
        }

        if (!VaultAccess.HasUnattendedKey(secrets))
        {
            if (!_warnedNoKey)
            {
                _warnedNoKey = true;
                _log.Warning("Expired previous secret values cannot be removed by the service: it has no vault key ({Variable} or {KeyFile}); run Update-Secret -CompleteExpired instead",
                    VaultKey.EnvironmentVariable, secrets.KeyFile);
            }

            return;
        }

        try
        {
            foreach (var r in await engine.Secrets.CompleteExpiredAsync(null, force: false, reporter, ct).ConfigureAwait(false))
            {
                if (r.Succeeded)
                {
                    _log.Information("Grace period of {Secret} ended: previous version {Version} removed from {Targets} target(s)", r.Name, r.FromVersion, r.Targets.Count);
                }
                else
                {
                    _log.Error("SecretCompleteFailed {Secret}: {Reason}", r.Name, r.Reason);
                }
            }
        }
        catch (Exception e) when (e is VaultException or SecretException or SecretTargetException or StateStoreException or IOException)
        {
            _log.Error("SecretWatchFailed {Error}; the watch goes on", e.Message);
        }
    }
}
