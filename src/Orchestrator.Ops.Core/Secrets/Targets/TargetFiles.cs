using System.Security.Cryptography;
using System.Text;

namespace Orchestrator.Ops.Core.Secrets.Targets;

/// <summary>What the file targets share: the permission check, reading, atomic owner-only writing, and errors that name the target but never a value.</summary>
internal static class TargetFiles
{
    /// <summary>UTF-8 that refuses bytes that are not UTF-8 rather than replacing them.</summary>
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Before a write: a file its group or others can read is a warning, or in strict mode an error and nothing is written.</summary>
    public static void CheckMode(string path, string display, bool strict, Action<string>? warn)
    {
        string? message;
        try
        {
            message = File.Exists(path) ? OwnerOnly.LooseModeMessage(path, "target file") : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write that follows reports what is wrong with the file.
            return;
        }

        if (message is null)
        {
            return;
        }

        if (strict)
        {
            throw new SecretTargetException(display, $"{message} Strict mode refuses to write {display} until then; it still holds its previous contents.");
        }

        warn?.Invoke($"{message} It is rewritten with mode 0600.");
    }

    /// <summary>The file's bytes, or null when it does not exist.</summary>
    public static byte[]? Read(string path, string display)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SecretTargetException(display, $"{display} could not be read: {Reason(e)}. It still holds its previous contents.", e);
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> atomically with mode 0600, unless the file already holds exactly these bytes with
    /// that mode (so applying the same values again does not even touch the file). Both buffers hold values, so both are
    /// zeroed before it returns, written or not.
    /// </summary>
    public static void Write(string path, byte[]? existing, byte[] content, string display)
    {
        try
        {
            if (existing is not null && CryptographicOperations.FixedTimeEquals(existing, content) && HasOwnerOnlyMode(path))
            {
                return;
            }

            AtomicFile.WriteAllBytes(path, content, OwnerOnly.FileMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unwritten(display, e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
            if (existing is not null)
            {
                CryptographicOperations.ZeroMemory(existing);
            }
        }
    }

    /// <summary>Deletes the file if it exists.</summary>
    public static void Delete(string path, string display, string what)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SecretTargetException(display, $"{display}: {what} '{path}' could not be removed: {Reason(e)}.", e);
        }
    }

    public static SecretTargetException Unwritten(string display, Exception e) =>
        new(display, $"{display} could not be written: {Reason(e)}. It still holds its previous contents.", e);

    /// <summary>An exception's message as a clause: without its final full stop.</summary>
    public static string Reason(Exception e) => e.Message.Trim().TrimEnd('.');

    /// <summary>The value as text, for the targets that hold text; a value that is not UTF-8 (or holds NUL) is refused without showing it.</summary>
    public static string Text(SecretValue value, string display, string role)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(value.Span);
        }
        catch (DecoderFallbackException e)
        {
            throw new SecretTargetException(display, $"{display} cannot hold the {role} value: it is not UTF-8 text. Nothing was written.", e);
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new SecretTargetException(display, $"{display} cannot hold the {role} value: it contains a NUL character. Nothing was written.");
        }

        return text;
    }

    /// <summary>
    /// Problems a write of <paramref name="path"/> would meet, found without writing: a folder that is missing and cannot be
    /// created, a folder that is not writable (the file is replaced by renaming a new one over it), a folder where the file should
    /// be, a file that cannot be read (when <paramref name="mustRead"/>: its other content is kept), and loose permissions.
    /// </summary>
    public static void Check(string path, bool mustRead, List<string> problems)
    {
        try
        {
            if (Directory.Exists(path))
            {
                problems.Add($"'{path}' is a folder; a file is expected there.");
                return;
            }

            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (Directory.Exists(folder))
            {
                if (!OwnerOnly.CanWriteIn(folder))
                {
                    problems.Add($"The folder '{folder}' is not writable, so '{path}' cannot be replaced.");
                }
            }
            else
            {
                string? ancestor = folder;
                while (ancestor is not null && !Directory.Exists(ancestor) && !File.Exists(ancestor))
                {
                    ancestor = Path.GetDirectoryName(ancestor);
                }

                if (ancestor is not null && File.Exists(ancestor))
                {
                    problems.Add($"The folder '{folder}' does not exist and cannot be created: '{ancestor}' is a file.");
                }
                else if (ancestor is not null && !OwnerOnly.CanWriteIn(ancestor))
                {
                    problems.Add($"The folder '{folder}' does not exist and cannot be created: '{ancestor}' is not writable.");
                }

                return;
            }

            if (!File.Exists(path))
            {
                return;
            }

            if (mustRead && !OwnerOnly.CanRead(path))
            {
                problems.Add($"'{path}' is not readable, so its other content could not be kept.");
            }

            if (OwnerOnly.LooseModeMessage(path, "target file") is { } loose)
            {
                problems.Add(loose);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"'{path}' cannot be checked: {Reason(e)}.");
        }
    }

    private static bool HasOwnerOnlyMode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        try
        {
            return File.GetUnixFileMode(path) == OwnerOnly.FileMode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
