using System.Security.Cryptography;
using System.Text;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// A secret's bytes. Reading them is explicit (<see cref="RevealBytes"/>, <see cref="RevealString"/>); ToString,
/// a debugger and a log template all see "SecretValue(***)".
/// </summary>
[System.Diagnostics.DebuggerDisplay("SecretValue(***)")]
public sealed class SecretValue
{
    private readonly byte[] _bytes;

    private SecretValue(byte[] bytes) => _bytes = bytes;

    public int Length => _bytes.Length;

    /// <summary>A value from UTF-8 text.</summary>
    public static SecretValue FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>A value holding a copy of <paramref name="value"/>.</summary>
    public static SecretValue FromBytes(ReadOnlySpan<byte> value) => new(value.ToArray());

    /// <summary>A copy of the bytes; the caller should zero it when done.</summary>
    public byte[] RevealBytes() => (byte[])_bytes.Clone();

    /// <summary>The value as UTF-8 text.</summary>
    public string RevealString() => Encoding.UTF8.GetString(_bytes);

    /// <summary>True when both hold the same bytes (compared in constant time).</summary>
    public bool ValueEquals(SecretValue other) =>
        other._bytes.Length == _bytes.Length && CryptographicOperations.FixedTimeEquals(_bytes, other._bytes);

    internal ReadOnlySpan<byte> Span => _bytes;

    public override string ToString() => "SecretValue(***)";
}
