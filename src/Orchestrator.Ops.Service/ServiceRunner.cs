using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Ops.Core.LogWriting;

using Orchestrator.Ops.Core;

namespace Orchestrator.Ops.Service;

/// <summary>Runs the service as a process: starts it, writes the ready file, watches the parent, removes the file on stop.</summary>
internal static class ServiceRunner
{
    public static async Task RunAsync(WebApplication app, int? parentPid, TimeProvider time)
    {
        var state = app.Services.GetRequiredService<ServiceState>();
        var engine = app.Services.GetRequiredService<Orchestrator.Ops.Core.OpsEngine>();
        var log = engine.Log.ForCategory("service");
        await app.StartAsync().ConfigureAwait(false);

        var readyPath = ReadyFile.PathIn(state.Config.Service.StateFolder);
        using var watch = new CancellationTokenSource();
        Task? watcher = null;
        try
        {
            var port = BoundPort(app, Uri.UriSchemeHttps);
            var gatewayPort = BoundPort(app, Uri.UriSchemeHttp);
            var ip = IPAddress.Parse(state.Config.Service.ListenAddress);
            var host = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
            var ready = new ReadyFile(
                Environment.ProcessId,
                state.Config.SourcePath,
                $"https://{host}:{port}",
                $"http://{host}:{gatewayPort}",
                state.Config.Service.ApiKeyPath,
                state.CertificatePath,
                state.CertificateThumbprint,
                state.Config.LogsFolder,
                time.GetUtcNow().UtcDateTime);
            ready.Write(readyPath);
            log.Information("Listening on {ApiUrl}, gateway on {GatewayUrl}; ready file {ReadyFile}", ready.ApiUrl, ready.GatewayUrl, readyPath);

            if (parentPid is { } pid)
            {
                watcher = WatchParentAsync(pid, app, log, watch.Token);
            }

            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }
        finally
        {
            await watch.CancelAsync().ConfigureAwait(false);
            if (watcher is not null)
            {
                await watcher.ConfigureAwait(false);
            }

            File.Delete(readyPath);
            log.Information("Stopped");
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    // The API is the HTTPS listener, the gateway the plain HTTP one.
    private static int BoundPort(WebApplication app, string scheme)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var first = addresses
            .Select(a => new Uri(a.Replace("*", "localhost", StringComparison.Ordinal)))
            .FirstOrDefault(u => u.Scheme == scheme) ?? throw new InvalidOperationException($"The server reports no {scheme} listening address.");
        return first.Port;
    }

    private static async Task WatchParentAsync(int pid, WebApplication app, Serilog.ILogger log, CancellationToken ct)
    {
        // Real time on purpose: the parent's life is not part of the service's (injectable) clock.
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                if (!ProcessHelpers.IsAlive(pid))
                {
                    log.Warning("Parent process {ParentPid} has exited; stopping", pid);
                    app.Lifetime.StopApplication();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
