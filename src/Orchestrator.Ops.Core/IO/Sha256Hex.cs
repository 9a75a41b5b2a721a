using System.Security.Cryptography;

namespace Orchestrator.Ops.Core.IO;

/// <summary>
/// SHA-256 as the engine writes it everywhere (backup manifests, rollback points, configuration drift, certificate
/// thumbprints): 64 lowercase hex digits. Comparisons ignore case, so values written before in upper case still match.
/// </summary>
public static class Sha256Hex
{
    public static string Of(ReadOnlySpan<byte> data) => Format(SHA256.HashData(data));

    /// <summary>The hash of what is left to read in <paramref name="stream"/>.</summary>
    public static string Of(Stream stream) => Format(SHA256.HashData(stream));

    public static string OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Of(stream);
    }

    /// <summary>A hash computed elsewhere, in the same form.</summary>
    public static string Format(ReadOnlySpan<byte> hash) => Convert.ToHexString(hash).ToLowerInvariant();

    public static bool AreEqual(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
