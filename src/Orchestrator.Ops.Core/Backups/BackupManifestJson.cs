using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// The manifest's file form and its seal. The seal is the SHA-256 of the canonical form: the manifest serialized
/// compactly, camelCase, in declaration order, nulls omitted, with <see cref="BackupManifest.ManifestSha256"/> unset.
/// The file itself is indented for people; a reader parses it and recomputes the canonical form, so whitespace
/// does not matter but every value does.
/// </summary>
internal static class BackupManifestJson
{
    private static readonly JsonSerializerOptions Canonical = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new OctalModeConverter() },
    };

    private static readonly JsonSerializerOptions Indented = new(Canonical) { WriteIndented = true };

    internal static string ComputeSha256(BackupManifest manifest)
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(manifest with { ManifestSha256 = null }, Canonical);
        return Sha256Hex.Of(canonical);
    }

    internal static BackupManifest Seal(BackupManifest manifest) => manifest with { ManifestSha256 = ComputeSha256(manifest) };

    internal static string ToFileText(BackupManifest manifest) => JsonSerializer.Serialize(manifest, Indented) + "\n";

    /// <summary>Parses a manifest file; <see cref="JsonException"/> when it is not one.</summary>
    internal static BackupManifest Parse(string json) =>
        JsonSerializer.Deserialize<BackupManifest>(json, Canonical) ?? throw new JsonException("The manifest is empty (null).");

    internal static string Hex(ReadOnlySpan<byte> hash) => Sha256Hex.Format(hash);

    /// <summary>Modes as octal strings ("0644"), as people read them.</summary>
    private sealed class OctalModeConverter : JsonConverter<UnixFileMode>
    {
        public override UnixFileMode Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            if (string.IsNullOrEmpty(text) || text.Length > 6 || text.Any(c => c is < '0' or > '7'))
            {
                throw new JsonException($"'{text}' is not an octal file mode.");
            }

            return (UnixFileMode)Convert.ToInt32(text, 8);
        }

        public override void Write(Utf8JsonWriter writer, UnixFileMode value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Convert.ToString((int)value, 8).PadLeft(4, '0'));
    }
}
