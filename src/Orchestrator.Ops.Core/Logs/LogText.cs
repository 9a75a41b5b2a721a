using System.Buffers;
using System.Text;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// Decodes line bytes: UTF-8 when they are valid UTF-8, else Latin-1 (each byte its own character), so a line
/// written in a legacy 8-bit encoding reads as text instead of replacement characters. Garbage stays visible.
/// </summary>
internal static class LogText
{
    private const int StackChars = 512;

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }

        return Encoding.Latin1.GetString(bytes);
    }

    /// <summary>Whether the regular expression matches the decoded line (no string is made).</summary>
    public static bool IsMatch(ReadOnlySpan<byte> bytes, System.Text.RegularExpressions.Regex regex)
    {
        char[]? rented = null;
        var chars = bytes.Length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(bytes.Length));
        try
        {
            int n;
            if (System.Text.Unicode.Utf8.ToUtf16(bytes, chars, out _, out n, replaceInvalidSequences: false) != OperationStatus.Done)
            {
                n = Encoding.Latin1.GetChars(bytes, chars);
            }

            return regex.IsMatch(chars[..n]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}
