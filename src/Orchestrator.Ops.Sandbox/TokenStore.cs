using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// The env files of a token folder, one per slot (<c>&lt;folder&gt;/&lt;slot&gt;.env</c>), kept current by one
/// background loop: every <see cref="CheckInterval"/> it compares each file's size and timestamps and re-reads a
/// file that changed; every <see cref="ForcedReadInterval"/> it re-reads every file anyway, in case a replacement
/// kept size and (coarse) timestamps. Request handlers never touch the file system.
/// </summary>
internal sealed class TokenStore : IAsyncDisposable
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan ForcedReadInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, TokenFile> _files;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <summary>Reads every slot's file once (so the first request already sees the tokens) and starts the loop.</summary>
    public TokenStore(string directory, IEnumerable<string> slots, ILogger logger)
    {
        Directory = Path.GetFullPath(directory);
        _logger = logger;
        _files = slots.ToDictionary(
            slot => slot,
            slot => new TokenFile(Path.Combine(Directory, slot + ".env"), logger),
            StringComparer.OrdinalIgnoreCase);
        foreach (var file in _files.Values)
        {
            file.Refresh(force: true);
        }

        _loop = Task.Run(RunAsync);
    }

    /// <summary>Full path of the token folder.</summary>
    public string Directory { get; }

    /// <summary>The env file of <paramref name="slot"/>.</summary>
    public TokenFile For(string slot) => _files[slot];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(CheckInterval);
        var lastForced = Stopwatch.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var force = Stopwatch.GetElapsedTime(lastForced) >= ForcedReadInterval;
                if (force)
                {
                    lastForced = Stopwatch.GetTimestamp();
                }

                foreach (var file in _files.Values)
                {
                    try
                    {
                        file.Refresh(force);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        // Never let one odd file stop the reloads of all of them.
                        _logger.LogWarning("Token file {Path}: unexpected {Error} while reloading; keeping the tokens last read from it.",
                            file.FilePath, ex.GetType().Name);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
