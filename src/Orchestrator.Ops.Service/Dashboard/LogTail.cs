using System.Text;

namespace Orchestrator.Ops.Service.Dashboard;

/// <summary>The last lines of one of the service's own log files, read from the end without loading the whole file.</summary>
internal static class LogTail
{
    /// <summary>The logs a client may ask for, by name; the client never names a path.</summary>
    public static readonly IReadOnlyList<string> Names = ["application", "error", "monitoring", "access"];

    public const int MaxLines = 1000;

    // A bound on what one request reads, whatever the line lengths.
    private const int MaxBytes = 2 * 1024 * 1024;
    private const int Chunk = 64 * 1024;

    /// <summary>Up to <paramref name="lines"/> complete lines from the end of the file, oldest first; none when the file does not exist.</summary>
    public static async Task<IReadOnlyList<string>> ReadAsync(string path, int lines, CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            // The logger keeps the file open for writing; share it rather than wait for it.
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }

        await using (stream.ConfigureAwait(false))
        {
            var end = stream.Length;
            var start = end;
            var found = 0;
            var atLineStart = end == 0;
            var buffer = new byte[Chunk];
            while (start > 0 && end - start < MaxBytes && !atLineStart)
            {
                var size = (int)Math.Min(Chunk, start);
                start -= size;
                stream.Position = start;
                await stream.ReadExactlyAsync(buffer.AsMemory(0, size), cancellationToken).ConfigureAwait(false);
                for (var i = size - 1; i >= 0; i--)
                {
                    // The newline that ends the file ends the last line; it does not start another one.
                    if (buffer[i] != (byte)'\n' || start + i == end - 1)
                    {
                        continue;
                    }

                    if (++found == lines)
                    {
                        start += i + 1;
                        atLineStart = true;
                        break;
                    }
                }
            }

            atLineStart |= start == 0;
            var bytes = new byte[end - start];
            stream.Position = start;
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            var text = Encoding.UTF8.GetString(bytes);
            var all = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            if (all.Count > 0 && all[^1].Length == 0)
            {
                all.RemoveAt(all.Count - 1);
            }

            if (!atLineStart && all.Count > 0)
            {
                // The byte bound cut into a line; a half line would only mislead.
                all.RemoveAt(0);
            }

            return all.Count > lines ? all.GetRange(all.Count - lines, lines) : all;
        }
    }
}
