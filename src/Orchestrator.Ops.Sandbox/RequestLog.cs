using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// Appends request lines to <c>&lt;root&gt;/logs/sandbox-requests.log</c> through a single background writer,
/// so request handlers never touch the file. The writer flushes whenever the queue runs empty.
/// </summary>
internal sealed class RequestLog : IAsyncDisposable
{
    /// <summary>Relative path of the log file under the root folder.</summary>
    public const string RelativePath = "logs/sandbox-requests.log";

    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    private readonly StreamWriter _writer;
    private readonly Task _pump;

    public RequestLog(string root)
    {
        var dir = Path.Combine(root, "logs");
        Directory.CreateDirectory(dir);
        FilePath = Path.Combine(dir, "sandbox-requests.log");
        var stream = new FileStream(FilePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.Asynchronous);
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = false };
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Full path of the log file.</summary>
    public string FilePath { get; }

    /// <summary>Formats one request line (without the newline).</summary>
    public static string Format(DateTimeOffset timestamp, string wrapper, string slot, string method, string path, int status, double elapsedMs, bool fallback)
    {
        var level = status >= 500 ? "ERR" : "INF";
        var ms = (long)Math.Round(elapsedMs, MidpointRounding.AwayFromZero);
        return string.Create(CultureInfo.InvariantCulture,
            $"{timestamp.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} [{level}] {wrapper} {slot} {method} {path} {status} {ms}ms fallback={(fallback ? "true" : "false")}");
    }

    /// <summary>Queues one line; never blocks.</summary>
    public void Write(string line) => _channel.Writer.TryWrite(line);

    private async Task PumpAsync()
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            try
            {
                while (reader.TryRead(out var line))
                {
                    await _writer.WriteLineAsync(line).ConfigureAwait(false);
                }

                await _writer.FlushAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Disk full or similar: drop what could not be written and keep draining, never stall requests.
            }
        }
    }

    /// <summary>Stops accepting lines, drains the queue and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        try
        {
            await _pump.ConfigureAwait(false);
        }
        finally
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
