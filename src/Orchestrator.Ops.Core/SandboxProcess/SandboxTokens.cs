using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.SandboxProcess;

/// <summary>
/// The sandbox as Start-OpsSandbox gives it: the fleet started, and every wrapper that authenticates given its first
/// token through the engine's own rotation (so the vault, the slots' env files and the history hold it like any
/// managed secret). Tokens already there are kept: a restarted sandbox keeps its values.
/// </summary>
public static class SandboxTokens
{
    /// <summary>Starts the fleet (see <see cref="SandboxLauncher.StartAsync"/>) and provisions the wrappers' tokens.</summary>
    /// <param name="engineOptions">How to open the engine on the sandbox's configuration (the caller's warning sink).</param>
    public static async Task<SandboxInfo> StartProvisionedAsync(SandboxLaunchOptions options, OpsEngineOptions? engineOptions, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        if (options.TokenDirectory is { Length: > 0 } tokens)
        {
            IO.OwnerOnly.CreateFolder(tokens);
        }

        var info = await SandboxLauncher.StartAsync(options, reporter, cancellationToken).ConfigureAwait(false);
        try
        {
            // The wrappers refuse every request until their tokens exist.
            var config = OpsConfigLoader.Load(info.ConfigPath);
            await using var engine = await OpsEngine.OpenAsync(config, engineOptions, cancellationToken).ConfigureAwait(false);
            foreach (var secret in config.Secrets.Items.Where(i => i.Wrappers.Count > 0))
            {
                var created = await engine.Secrets.ProvisionAsync(secret.Name, importExisting: false, IO.Actor.Current, reporter, cancellationToken).ConfigureAwait(false);
                if (created is not null)
                {
                    reporter.Verbose($"Gave '{secret.Name}' its first value (version {created.ToVersion}); {string.Join(", ", secret.Wrappers)} now require it.");
                }
            }
        }
        catch
        {
            // A fleet whose wrappers refuse every request is no use, and would make the next start fail as already
            // running: stop it (the tokens given so far stay for the next start).
            await SandboxLauncher.StopAsync(info.Root, NullReporter.Instance, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return info;
    }
}
