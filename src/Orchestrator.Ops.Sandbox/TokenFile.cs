using System.Text;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// One slot's env file (<c>&lt;token-dir&gt;/&lt;slot&gt;.env</c>) and the tokens last read from it. Request handlers
/// only read <see cref="Snapshot"/> (one volatile read); <see cref="Refresh"/> is called by the
/// <see cref="TokenStore"/>'s background loop and is never called concurrently with itself.
/// </summary>
internal sealed class TokenFile
{
    /// <summary>Files larger than this are not env files with a few tokens; they are refused as unreadable.</summary>
    internal const int MaxFileBytes = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ILogger _logger;
    private readonly byte[] _buffer = new byte[MaxFileBytes + 1];
    private TokenSnapshot _snapshot = TokenSnapshot.Missing;
    private FileSignature? _signature;
    private byte[]? _content;
    private bool _failing;

    public TokenFile(string path, ILogger logger)
    {
        FilePath = path;
        _logger = logger;
    }

    /// <summary>Full path of the env file.</summary>
    public string FilePath { get; }

    /// <summary>The tokens currently in force for this file.</summary>
    public TokenSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>
    /// Looks at the file's metadata and re-reads it when its size, write time or creation time changed, or always
    /// when <paramref name="force"/> is set (then only a changed content is parsed). A missing file means no tokens;
    /// a file that cannot be read or decoded keeps the last good tokens.
    /// </summary>
    /// <returns>True when <see cref="Snapshot"/> changed.</returns>
    public bool Refresh(bool force)
    {
        FileSignature signature;
        try
        {
            var info = new FileInfo(FilePath);
            if (!info.Exists)
            {
                return SetMissing();
            }

            signature = new FileSignature(info.Length, info.LastWriteTimeUtc, info.CreationTimeUtc);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(ex.Message);
        }

        if (!force && signature == _signature)
        {
            return false;
        }

        ReadOnlySpan<byte> content;
        try
        {
            content = _buffer.AsSpan(0, ReadBounded(FilePath, _buffer));
        }
        catch (FileNotFoundException)
        {
            return SetMissing();
        }
        catch (DirectoryNotFoundException)
        {
            return SetMissing();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(ex.Message);
        }

        _signature = signature;
        if (!_failing && _content is not null && content.SequenceEqual(_content))
        {
            return false;
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(content);
        }
        catch (DecoderFallbackException)
        {
            return Fail("the file is not valid UTF-8");
        }

        var values = EnvFile.Parse(text, out var ignoredLines);
        if (ignoredLines.Count > 0)
        {
            // Line numbers only: a malformed line may well hold a token.
            _logger.LogWarning("Token file {Path}: ignored {Count} line(s) that are not KEY=value assignments (line {Lines}).",
                FilePath, ignoredLines.Count, string.Join(", ", ignoredLines));
        }

        if (_failing)
        {
            _logger.LogInformation("Token file {Path} is readable again.", FilePath);
        }

        _failing = false;
        _content = content.ToArray();
        var tokens = new Dictionary<string, byte[]>(values.Count, StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            if (value.Length > 0)
            {
                tokens[key] = Encoding.UTF8.GetBytes(value);
            }
        }

        Volatile.Write(ref _snapshot, new TokenSnapshot(true, tokens));
        _logger.LogInformation("Token file {Path} loaded: {Count} variable(s).", FilePath, tokens.Count);
        return true;
    }

    private bool SetMissing()
    {
        _signature = null;
        _content = null;
        _failing = false;
        if (!Snapshot.Exists)
        {
            return false;
        }

        _logger.LogWarning("Token file {Path} is gone; requests to its slot are refused until it is back.", FilePath);
        Volatile.Write(ref _snapshot, TokenSnapshot.Missing);
        return true;
    }

    private bool Fail(string reason)
    {
        // Keep the last good tokens, and re-read on the next change (or forced check) after this one.
        _signature = null;
        if (!_failing)
        {
            _failing = true;
            _logger.LogWarning("Token file {Path} could not be read ({Reason}); keeping the tokens last read from it.", FilePath, reason);
        }

        return false;
    }

    /// <summary>Reads the whole file into <paramref name="buffer"/> (MaxFileBytes + 1 long); returns the byte count.</summary>
    private static int ReadBounded(string path, byte[] buffer)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        var total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += read;
        }

        if (total > MaxFileBytes)
        {
            throw new IOException($"the file is larger than {MaxFileBytes} bytes");
        }

        return total;
    }

    private readonly record struct FileSignature(long Length, DateTime LastWriteUtc, DateTime CreationUtc);
}

/// <summary>The variables of one env file at one moment; values as UTF-8 bytes, empty values left out.</summary>
/// <param name="Exists">False when the file did not exist.</param>
/// <param name="Values">Variable name → value bytes.</param>
internal sealed record TokenSnapshot(bool Exists, IReadOnlyDictionary<string, byte[]> Values)
{
    public static readonly TokenSnapshot Missing = new(false, new Dictionary<string, byte[]>());
}
