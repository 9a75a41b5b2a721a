using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// One bare Kestrel server on one IP endpoint, without the generic host. It can be stopped (so connections
/// are refused) and started again on the same port.
/// </summary>
internal sealed class KestrelListener : IAsyncDisposable
{
    private static readonly IServiceProvider EmptyServices = new ServiceCollection().BuildServiceProvider();

    private readonly IPAddress _address;
    private readonly Func<HttpContext, CancellationToken, Task> _handler;
    private readonly ILoggerFactory _loggerFactory;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private KestrelServer? _server;
    private CancellationTokenSource? _stopping;

    /// <param name="address">Address to bind.</param>
    /// <param name="handler">Request handler; its token fires when the listener stops (plus RequestAborted is linked in).</param>
    /// <param name="loggerFactory">Logger factory for Kestrel.</param>
    public KestrelListener(IPAddress address, Func<HttpContext, CancellationToken, Task> handler, ILoggerFactory loggerFactory)
    {
        _address = address;
        _handler = handler;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The bound port (0 before the first start).</summary>
    public int Port { get; private set; }

    /// <summary>The listener's URL (IPv6 addresses in brackets), valid once it has started.</summary>
    public string BaseUrl =>
        $"http://{(_address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{_address}]" : _address.ToString())}:{Port}";

    /// <summary>True while the server is listening.</summary>
    public bool IsRunning => _server is not null;

    /// <summary>Starts listening; the first start binds port 0 (or <paramref name="port"/>), later starts rebind the same port.</summary>
    public async Task StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_server is not null)
            {
                return;
            }

            var bindPort = Port != 0 ? Port : port;
            var options = new KestrelServerOptions
            {
                AddServerHeader = false,
                ApplicationServices = EmptyServices,
            };
            options.Limits.MaxConcurrentConnections = null;
            ListenOptions? listenOptions = null;
            options.Listen(_address, bindPort, lo => listenOptions = lo);

            var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), _loggerFactory);
            var server = new KestrelServer(Options.Create(options), transport, _loggerFactory);
            var stopping = new CancellationTokenSource();
            try
            {
                await server.StartAsync(new Application(_handler, stopping.Token), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                server.Dispose();
                stopping.Dispose();
                throw;
            }

            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
            var bound = addresses?.Select(a => new Uri(a).Port).FirstOrDefault() ?? 0;
            if (bound == 0)
            {
                bound = listenOptions?.IPEndPoint?.Port ?? 0;
            }

            if (bound == 0)
            {
                await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
                server.Dispose();
                stopping.Dispose();
                throw new InvalidOperationException("Kestrel did not report the bound port.");
            }

            Port = bound;
            _server = server;
            _stopping = stopping;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops listening: in-flight requests are cancelled first (hanging ones abort), then Kestrel is stopped;
    /// anything still open after <paramref name="grace"/> is aborted.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var server = _server;
            var stopping = _stopping;
            if (server is null || stopping is null)
            {
                return;
            }

            _server = null;
            _stopping = null;
            await stopping.CancelAsync().ConfigureAwait(false);
            using (var timeout = new CancellationTokenSource(grace))
            {
                try
                {
                    await server.StopAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Remaining connections were aborted by Kestrel.
                }
            }

            server.Dispose();
            stopping.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
    }

    private sealed class Application : IHttpApplication<HttpContext>
    {
        private readonly Func<HttpContext, CancellationToken, Task> _handler;
        private readonly CancellationToken _stopping;

        public Application(Func<HttpContext, CancellationToken, Task> handler, CancellationToken stopping)
        {
            _handler = handler;
            _stopping = stopping;
        }

        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public async Task ProcessRequestAsync(HttpContext context)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
            try
            {
                await _handler(context, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                // Client went away or the listener is stopping: drop the connection.
                context.Abort();
            }
        }

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }
}
