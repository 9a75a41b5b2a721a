using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// A fleet of simulated LLM wrapper services: three wrappers (<c>routellm</c>, <c>poml</c>,
/// <c>external-tools</c>; more with <see cref="SandboxOptions.Wrappers"/>) in two slots (<c>blue</c>, <c>green</c>), each instance on its own loopback port,
/// plus a control listener and an optional benchmark listener.
/// </summary>
public sealed class SandboxFleet : IAsyncDisposable
{
    /// <summary>Matches every wrapper or every slot in <see cref="UpdateAsync"/> and the control API.</summary>
    public const string Wildcard = "*";

    private static readonly (string Wrapper, string Kind)[] Kinds =
    [
        ("routellm", "routellm"),
        ("poml", "poml"),
        ("external-tools", "external-tool"),
    ];

    /// <summary>The fleet's wrappers: the three kinds by name, then the same kinds again with their number (routellm-4, ...).</summary>
    internal static IReadOnlyList<(string Wrapper, string Kind)> WrappersFor(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, SandboxOptions.MaxWrappers);
        return Enumerable.Range(0, count).Select(i =>
        {
            var (name, kind) = Kinds[i % Kinds.Length];
            return i < Kinds.Length ? (name, kind) : ($"{name}-{i + 1}", kind);
        }).ToList();
    }

    private static readonly string[] Slots = ["blue", "green"];

    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

    private readonly List<InstanceServer> _servers;
    private readonly ControlServer _control;
    private readonly BenchServer? _bench;
    private readonly RequestLog? _log;
    private readonly TokenStore? _tokens;
    private readonly SemaphoreSlim _updateGate = new(1, 1);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _shutdownStarted;
    private IReadOnlyList<SandboxInstance> _instances = [];

    private SandboxFleet(SandboxOptions options, IPAddress address)
    {
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        if (!string.IsNullOrWhiteSpace(options.Root))
        {
            _log = new RequestLog(Path.GetFullPath(options.Root));
        }

        if (options.TokenDirectory is not null)
        {
            _tokens = new TokenStore(options.TokenDirectory, Slots, loggerFactory.CreateLogger("Orchestrator.Ops.Sandbox.Tokens"));
        }

        _servers = [];
        foreach (var (wrapper, kind) in WrappersFor(options.Wrappers))
        {
            foreach (var slot in Slots)
            {
                var auth = _tokens is null ? null : new InstanceAuth(wrapper, _tokens.For(slot));
                _servers.Add(new InstanceServer(wrapper, kind, slot, address, options.Seed, _log, auth, loggerFactory));
            }
        }

        _control = new ControlServer(this, address, loggerFactory);
        if (options.BenchEndpoints > 0)
        {
            _bench = new BenchServer(address, options.BenchEndpoints, Math.Min(options.BenchHang, options.BenchEndpoints), loggerFactory);
        }
    }

    /// <summary>The instances (wrapper × slot; six by default) with their base URLs and ports.</summary>
    public IReadOnlyList<SandboxInstance> Instances => _instances;

    /// <summary>Base URL of the control API, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string ControlUrl => _control.BaseUrl;

    /// <summary>Base URL of the benchmark listener, or null when <see cref="SandboxOptions.BenchEndpoints"/> is 0.</summary>
    public string? BenchBaseUrl => _bench?.BaseUrl;

    /// <summary>Full path of the request log, or null when no root folder was given.</summary>
    public string? RequestLogPath => _log?.FilePath;

    /// <summary>Full path of the token folder, or null when the instances do not require a token.</summary>
    public string? TokenDirectory => _tokens?.Directory;

    /// <summary>Completes once the fleet has shut down (via <c>POST /control/shutdown</c> or <see cref="DisposeAsync"/>).</summary>
    public Task Completion => _completion.Task;

    /// <summary>
    /// Starts every listener and returns when all of them accept connections.
    /// </summary>
    /// <param name="options">Fleet options.</param>
    /// <param name="cancellationToken">Cancels startup.</param>
    /// <returns>The running fleet.</returns>
    /// <exception cref="ArgumentException">The options are invalid (bad host, non-loopback host without
    /// <see cref="SandboxOptions.AllowRemote"/>, negative bench counts, a token folder that does not exist).</exception>
    public static async Task<SandboxFleet> StartAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = ResolveHost(options.Host, options.AllowRemote);
        if (options.BenchEndpoints < 0)
        {
            throw new ArgumentException("BenchEndpoints must be >= 0.", nameof(options));
        }

        if (options.BenchHang < 0)
        {
            throw new ArgumentException("BenchHang must be >= 0.", nameof(options));
        }

        if (options.TokenDirectory is not null && !Directory.Exists(options.TokenDirectory))
        {
            throw new ArgumentException($"TokenDirectory '{options.TokenDirectory}' is not an existing folder.", nameof(options));
        }

        var fleet = new SandboxFleet(options, address);
        try
        {
            var starts = fleet._servers.Select(s => s.StartAsync(cancellationToken)).ToList();
            starts.Add(fleet._control.StartAsync(cancellationToken));
            if (fleet._bench is not null)
            {
                starts.Add(fleet._bench.StartAsync(cancellationToken));
            }

            await Task.WhenAll(starts).ConfigureAwait(false);
            fleet._instances = fleet._servers.Select(s => s.Describe()).ToList().AsReadOnly();
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Returns the current settings of one instance.</summary>
    /// <param name="wrapper">Wrapper name, e.g. <c>poml</c>.</param>
    /// <param name="slot">Slot name, <c>blue</c> or <c>green</c>.</param>
    /// <returns>The instance's settings.</returns>
    /// <exception cref="KeyNotFoundException">No such instance.</exception>
    public InstanceSettings GetSettings(string wrapper, string slot) => Find(wrapper, slot).Settings;

    /// <summary>
    /// Changes the settings of one instance (or all matching instances when <paramref name="wrapper"/> or
    /// <paramref name="slot"/> is <c>*</c>). A change of <see cref="InstanceSettings.Down"/> really stops or
    /// restarts the instance's listener (on the same port) before this task completes.
    /// </summary>
    /// <param name="wrapper">Wrapper name or <c>*</c>.</param>
    /// <param name="slot">Slot name or <c>*</c>.</param>
    /// <param name="change">Maps the current settings to the new settings.</param>
    /// <param name="ct">Cancels the update.</param>
    /// <exception cref="KeyNotFoundException">No instance matches.</exception>
    /// <exception cref="ArgumentException">A resulting setting is invalid; <see cref="ArgumentException.ParamName"/>
    /// is the camelCase field name. Nothing is changed in that case.</exception>
    /// <exception cref="ObjectDisposedException">The fleet has shut down.</exception>
    public async Task UpdateAsync(string wrapper, string slot, Func<InstanceSettings, InstanceSettings> change, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var matches = Match(wrapper, slot);
        if (matches.Count == 0)
        {
            throw new KeyNotFoundException($"unknown instance {wrapper}/{slot}");
        }

        await _updateGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _shutdownStarted) != 0, this);
            var updated = new List<(InstanceServer Server, InstanceSettings Settings)>(matches.Count);
            foreach (var server in matches)
            {
                var next = change(server.Settings) ?? throw new ArgumentException("settings must not be null", nameof(change));
                if (next.Validate() is { } invalid)
                {
                    throw new ArgumentException($"{server.Wrapper}/{server.Slot}: {invalid.Message}", invalid.Field);
                }

                updated.Add((server, next));
            }

            await Task.WhenAll(updated.Select(u => u.Server.ApplyAsync(u.Settings, ct))).ConfigureAwait(false);
        }
        finally
        {
            _updateGate.Release();
        }
    }

    /// <summary>Puts every instance back to its default settings and brings any down instance back up.</summary>
    /// <param name="ct">Cancels the reset.</param>
    public async Task ResetAsync(CancellationToken ct = default)
    {
        await _updateGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _shutdownStarted) != 0, this);
            await Task.WhenAll(_servers.Select(s => s.ApplyAsync(InstanceSettings.DefaultFor(s.Slot), ct))).ConfigureAwait(false);
        }
        finally
        {
            _updateGate.Release();
        }
    }

    /// <summary>
    /// Stops every listener (hanging requests are aborted, never waited for), flushes the request log and
    /// completes <see cref="Completion"/>. Safe to call more than once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _shutdownStarted, 1) != 0)
        {
            await _completion.Task.ConfigureAwait(false);
            return;
        }

        try
        {
            // Wait for an in-flight update (e.g. bringing an instance up) so it cannot restart a listener after we stop.
            // Later updates see the shutdown flag once they get the gate and throw ObjectDisposedException.
            await _updateGate.WaitAsync().ConfigureAwait(false);
            try
            {
                var stops = _servers.Select(s => s.StopAsync(StopGrace)).ToList();
                stops.Add(_control.StopAsync(StopGrace));
                if (_bench is not null)
                {
                    stops.Add(_bench.StopAsync(StopGrace));
                }

                await Task.WhenAll(stops).ConfigureAwait(false);
            }
            finally
            {
                _updateGate.Release();
            }

            if (_tokens is not null)
            {
                await _tokens.DisposeAsync().ConfigureAwait(false);
            }

            if (_log is not null)
            {
                await _log.DisposeAsync().ConfigureAwait(false);
            }

            _completion.TrySetResult();
        }
        catch (Exception ex)
        {
            _completion.TrySetException(ex);
            throw;
        }
    }

    /// <summary>The state of every instance, as served by <c>GET /control/state</c>.</summary>
    internal IReadOnlyList<InstanceState> GetState() => _servers.Select(StateOf).ToList();

    /// <summary>How many requests the instance has received since the fleet started.</summary>
    public long GetRequestCount(string wrapper, string slot) => Find(wrapper, slot).Requests;

    /// <summary>Completes once the instance has received at least <paramref name="count"/> requests (test hook, no polling).</summary>
    public Task WaitForRequestsAsync(string wrapper, string slot, long count, CancellationToken cancellationToken = default) =>
        Find(wrapper, slot).WaitForRequestsAsync(count, cancellationToken);

    internal static InstanceState StateOf(InstanceServer server) =>
        new(server.Wrapper, server.Kind, server.Slot, server.BaseUrl, server.Port, server.Settings, server.Requests, server.AuthRequired);

    /// <summary>Instances matching wrapper and slot (either may be <c>*</c>), case-insensitively.</summary>
    internal IReadOnlyList<InstanceServer> Match(string wrapper, string slot)
    {
        ArgumentNullException.ThrowIfNull(wrapper);
        ArgumentNullException.ThrowIfNull(slot);
        return _servers
            .Where(s => (wrapper == Wildcard || string.Equals(s.Wrapper, wrapper, StringComparison.OrdinalIgnoreCase))
                     && (slot == Wildcard || string.Equals(s.Slot, slot, StringComparison.OrdinalIgnoreCase)))
            .ToList();
    }

    private InstanceServer Find(string wrapper, string slot) =>
        _servers.FirstOrDefault(s => string.Equals(s.Wrapper, wrapper, StringComparison.OrdinalIgnoreCase)
                                  && string.Equals(s.Slot, slot, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"unknown instance {wrapper}/{slot}");

    private static IPAddress ResolveHost(string host, bool allowRemote)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new ArgumentException("Host must not be empty.", nameof(host));
        }

        IPAddress address;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host.Trim('[', ']'), out address!))
        {
            throw new ArgumentException($"Host '{host}' is not an IP address.", nameof(host));
        }

        if (!allowRemote && !IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"Host '{host}' is not a loopback address; set AllowRemote to bind it.", nameof(host));
        }

        return address;
    }
}
