using System.Collections.Frozen;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// The bearer tokens the engine presents to wrappers: each wrapper's managed secret's Current value, read from the vault
/// and read again when the vault file changes (checked at most every <see cref="RefreshInterval"/>). A vault that cannot
/// be opened without a prompt gives no tokens (one warning), so probes fail with 401 rather than hang on a question.
/// </summary>
public sealed class WrapperCredentials
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan RetryOpenAfter = TimeSpan.FromSeconds(30);

    private readonly SecretSettings _settings;
    private readonly Func<VaultHandle> _open;
    private readonly TimeProvider _time;
    private readonly Action<string>? _warn;
    private readonly FrozenDictionary<string, string> _secretOfWrapper;
    private readonly (string Authority, string PathPrefix, string Wrapper)[] _endpoints;
    private readonly object _gate = new();
    private volatile FrozenDictionary<string, string> _tokens = FrozenDictionary<string, string>.Empty;
    private long _nextCheck;
    private (DateTime Written, long Length)? _stamp;
    private bool _warned;

    public WrapperCredentials(OpsConfig config, Func<VaultHandle> open, TimeProvider time, Action<string>? warn)
    {
        _settings = config.Secrets;
        _open = open;
        _time = time;
        _warn = warn;
        _secretOfWrapper = config.Wrappers
            .Select(w => (w.Name, Secret: config.Secrets.ForWrapper(w.Name)?.Name))
            .Where(p => p.Secret is not null)
            .ToFrozenDictionary(p => p.Name, p => p.Secret!, StringComparer.OrdinalIgnoreCase);
        _endpoints = (from s in config.Slots
                      from w in config.Wrappers
                      let url = s.UrlOf(w.Name)
                      where url is not null && _secretOfWrapper.ContainsKey(w.Name)
                      select (url.Authority, url.AbsolutePath.TrimEnd('/'), w.Name))
                     .OrderByDescending(e => e.Item2.Length)
                     .ToArray();
    }

    /// <summary>True when some wrapper authenticates with a managed secret.</summary>
    public bool Any => _secretOfWrapper.Count > 0;

    /// <summary>The wrapper's current token, or null when it has no managed secret or the vault gives none.</summary>
    public string? TokenFor(string wrapper)
    {
        if (!_secretOfWrapper.ContainsKey(wrapper))
        {
            return null;
        }

        Refresh();
        return _tokens.GetValueOrDefault(wrapper);
    }

    /// <summary>The token for the wrapper whose configured URL <paramref name="uri"/> falls under, if any.</summary>
    public string? TokenForUri(Uri? uri)
    {
        if (uri is null || _endpoints.Length == 0)
        {
            return null;
        }

        var authority = uri.Authority;
        var path = uri.AbsolutePath;
        foreach (var (a, prefix, wrapper) in _endpoints)
        {
            if (string.Equals(a, authority, StringComparison.OrdinalIgnoreCase)
                && (prefix.Length == 0 || (path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] == '/'))))
            {
                return TokenFor(wrapper);
            }
        }

        return null;
    }

    private void Refresh()
    {
        var now = _time.GetTimestamp();
        if (now < Interlocked.Read(ref _nextCheck))
        {
            return;
        }

        lock (_gate)
        {
            if (now < _nextCheck)
            {
                return;
            }

            _nextCheck = now + (long)(RefreshInterval.TotalSeconds * _time.TimestampFrequency);
            (DateTime, long)? stamp;
            try
            {
                var info = new FileInfo(_settings.VaultPath);
                stamp = info.Exists ? (info.LastWriteTimeUtc, info.Length) : null;
            }
            catch (IOException)
            {
                return;
            }

            if (stamp is null)
            {
                // No vault yet: nothing to present, and no reason to look for a key.
                _tokens = FrozenDictionary<string, string>.Empty;
                _stamp = null;
                return;
            }

            if (stamp == _stamp)
            {
                return;
            }

            try
            {
                using var handle = _open();
                var contents = handle.Vault.Read();
                _tokens = _secretOfWrapper
                    .Select(p => (Wrapper: p.Key, Value: contents.Find(p.Value)?.Current?.Value))
                    .Where(p => p.Value is not null)
                    .ToFrozenDictionary(p => p.Wrapper, p => p.Value!.RevealString(), StringComparer.OrdinalIgnoreCase);
                _stamp = stamp;
            }
            catch (VaultException e)
            {
                if (!_warned)
                {
                    _warned = true;
                    _warn?.Invoke($"Wrapper tokens are unavailable, so wrappers that require one will answer 401: {e.Message}");
                }

                _nextCheck = now + (long)(RetryOpenAfter.TotalSeconds * _time.TimestampFrequency);
            }
        }
    }
}

/// <summary>Adds the wrapper's bearer token to requests bound for a wrapper that has none set already.</summary>
public sealed class WrapperAuthHandler(WrapperCredentials credentials) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Apply(request);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Apply(request);
        return base.Send(request, cancellationToken);
    }

    private void Apply(HttpRequestMessage request)
    {
        if (request.Headers.Authorization is null && credentials.TokenForUri(request.RequestUri) is { } token)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
    }
}
