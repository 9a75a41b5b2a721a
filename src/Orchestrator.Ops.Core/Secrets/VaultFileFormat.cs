using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// The vault file: "OOVAULT", a format byte, a big-endian 16-bit length and that many bytes of header JSON
/// (algorithm, kdf, salt, iterations, nonce, key check), then the 16-byte GCM tag, then the ciphertext of the payload
/// JSON. Every byte before the tag is the GCM associated data, so a changed header fails the tag like a changed
/// ciphertext does. The key check (HMAC-SHA256 of a fixed label under the key, 16 bytes) tells a wrong key from a
/// changed file without revealing anything the ciphertext does not already let one test.
/// </summary>
internal static class VaultFileFormat
{
    public const string Algorithm = "AES-256-GCM";
    public const string KdfNone = "none";
    public const string KdfPbkdf2 = "PBKDF2-SHA256";
    public const byte FormatVersion = 1;
    public const int NonceLength = 12;
    public const int TagLength = 16;
    private const int KeyCheckLength = 16;
    private static readonly byte[] Magic = "OOVAULT"u8.ToArray();
    private static readonly byte[] KeyCheckLabel = "Orchestrator.Ops vault key check v1"u8.ToArray();
    private const int PrefixLength = 7 + 1 + 2;

    public sealed record Header(string Kdf, byte[]? Salt, int Iterations, byte[] Nonce, byte[] KeyCheck);

    public static byte[] Encrypt(VaultContents contents, VaultKey key, string kdf, byte[]? salt, int iterations)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceLength);
        var headerJson = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["algorithm"] = Algorithm,
            ["kdf"] = kdf,
            ["salt"] = salt is null ? null : Convert.ToBase64String(salt),
            ["iterations"] = iterations,
            ["nonce"] = Convert.ToBase64String(nonce),
            ["keyCheck"] = Convert.ToBase64String(KeyCheck(key)),
        });
        var plaintext = SerializePayload(contents);
        try
        {
            var file = new byte[PrefixLength + headerJson.Length + TagLength + plaintext.Length];
            Magic.CopyTo(file, 0);
            file[7] = FormatVersion;
            BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(8), checked((ushort)headerJson.Length));
            headerJson.CopyTo(file, PrefixLength);
            var aadLength = PrefixLength + headerJson.Length;
            using var gcm = new AesGcm(key.Bytes, TagLength);
            gcm.Encrypt(nonce, plaintext, file.AsSpan(aadLength + TagLength), file.AsSpan(aadLength, TagLength), file.AsSpan(0, aadLength));
            return file;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// How the vault at <paramref name="path"/> is locked (<see cref="KdfNone"/>: a key; <see cref="KdfPbkdf2"/>: a
    /// passphrase), from its header alone; null when there is no file or it cannot be read as a vault.
    /// </summary>
    public static string? PeekKdf(string path)
    {
        try
        {
            return ReadHeader(File.ReadAllBytes(path), path).Kdf;
        }
        catch (Exception e) when (e is VaultException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads the header without decrypting: a non-vault or unknown format fails here, before any key is derived.</summary>
    public static Header ReadHeader(byte[] file, string path)
    {
        if (file.Length < PrefixLength || !file.AsSpan(0, 7).SequenceEqual(Magic))
        {
            throw new VaultException(VaultFailure.UnsupportedFormat, path, $"'{path}' is not an Orchestrator.Ops vault (its first bytes are not the vault's mark), or its first bytes were changed. Nothing was written.");
        }

        if (file[7] != FormatVersion)
        {
            throw new VaultException(VaultFailure.UnsupportedFormat, path, $"The vault '{path}' has format {file[7]}; this version reads format {FormatVersion}. Use a newer Orchestrator.Ops, or the file was changed. Nothing was written.");
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(8));
        if (file.Length < PrefixLength + length + TagLength)
        {
            throw Tampered(path, "it is shorter than its header says");
        }

        try
        {
            using var json = JsonDocument.Parse(file.AsMemory(PrefixLength, length));
            var root = json.RootElement;
            var algorithm = root.GetProperty("algorithm").GetString();
            if (algorithm != Algorithm)
            {
                throw new VaultException(VaultFailure.UnsupportedFormat, path, $"The vault '{path}' says it is encrypted with '{algorithm}'; this version reads {Algorithm} only. Nothing was written.");
            }

            var kdf = root.GetProperty("kdf").GetString();
            var nonce = Convert.FromBase64String(root.GetProperty("nonce").GetString() ?? "");
            var keyCheck = Convert.FromBase64String(root.GetProperty("keyCheck").GetString() ?? "");
            if (nonce.Length != NonceLength || keyCheck.Length != KeyCheckLength)
            {
                throw Tampered(path, "its header's nonce or key check has the wrong length");
            }

            if (kdf == KdfNone)
            {
                return new Header(kdf, null, 0, nonce, keyCheck);
            }

            if (kdf != KdfPbkdf2)
            {
                throw new VaultException(VaultFailure.UnsupportedFormat, path, $"The vault '{path}' derives its key with '{kdf}'; this version knows {KdfNone} and {KdfPbkdf2}. Nothing was written.");
            }

            var salt = Convert.FromBase64String(root.GetProperty("salt").GetString() ?? "");
            var iterations = root.GetProperty("iterations").GetInt32();
            if (salt.Length != VaultKeyMaterial.SaltLength || iterations < VaultKeyMaterial.MinimumIterations || iterations > VaultKeyMaterial.MaximumIterations)
            {
                throw Tampered(path, "its header's salt or iteration count is out of range");
            }

            return new Header(kdf, salt, iterations, nonce, keyCheck);
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw Tampered(path, "its header cannot be read", e);
        }
    }

    /// <summary>Checks the key against the header, then decrypts and verifies the tag; nothing unverified is ever parsed.</summary>
    public static VaultContents Decrypt(byte[] file, Header header, VaultKey key, string path)
    {
        if (!CryptographicOperations.FixedTimeEquals(KeyCheck(key), header.KeyCheck))
        {
            throw new VaultException(VaultFailure.WrongKey, path, $"The vault key does not match the vault '{path}' (or, if the key is right, the key check in the file's header was changed). Check {VaultKey.EnvironmentVariable}, the key file or the passphrase. Nothing was written.");
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(8));
        var aadLength = PrefixLength + length;
        var ciphertext = file.AsSpan(aadLength + TagLength);
        var plaintext = new byte[ciphertext.Length];
        try
        {
            using var gcm = new AesGcm(key.Bytes, TagLength);
            try
            {
                gcm.Decrypt(header.Nonce, ciphertext, file.AsSpan(aadLength, TagLength), plaintext, file.AsSpan(0, aadLength));
            }
            catch (CryptographicException e)
            {
                throw Tampered(path, "its authentication tag does not verify, so its content or header was changed after it was written", e);
            }

            return ParsePayload(plaintext, path);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static VaultException Tampered(string path, string why, Exception? inner = null) =>
        new(VaultFailure.Tampered, path, $"The vault '{path}' was changed or damaged: {why}. It was not decrypted and nothing was written; restore it from a backup.", inner);

    private static byte[] KeyCheck(VaultKey key) => HMACSHA256.HashData(key.Bytes, KeyCheckLabel)[..KeyCheckLength];

    private static byte[] SerializePayload(VaultContents contents)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("secrets");
            foreach (var secret in contents.Secrets.Values)
            {
                writer.WriteStartObject();
                writer.WriteString("name", secret.Name);
                writer.WriteStartArray("versions");
                foreach (var version in secret.Versions)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("version", version.Version);
                    writer.WriteString("createdAt", version.CreatedAt);
                    writer.WriteString("createdBy", version.CreatedBy);
                    writer.WriteStartArray("labels");
                    foreach (var label in version.Labels)
                    {
                        writer.WriteStringValue(label);
                    }

                    writer.WriteEndArray();
                    writer.WriteBase64String("value", version.Value.Span);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var bytes = buffer.WrittenSpan.ToArray();
        buffer.Clear();
        return bytes;
    }

    private static VaultContents ParsePayload(byte[] plaintext, string path)
    {
        try
        {
            using var json = JsonDocument.Parse(plaintext);
            var secrets = new List<VaultSecret>();
            foreach (var secret in json.RootElement.GetProperty("secrets").EnumerateArray())
            {
                var versions = secret.GetProperty("versions").EnumerateArray().Select(v => new SecretVersion(
                    v.GetProperty("version").GetInt32(),
                    v.GetProperty("createdAt").GetDateTimeOffset(),
                    v.GetProperty("createdBy").GetString() ?? "",
                    v.GetProperty("labels").EnumerateArray().Select(l => l.GetString() ?? "").ToImmutableSortedSet(StringComparer.Ordinal),
                    SecretValue.FromBytes(v.GetProperty("value").GetBytesFromBase64())));
                secrets.Add(new VaultSecret(secret.GetProperty("name").GetString() ?? "", [.. versions]));
            }

            return VaultContents.FromSecrets(secrets);
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            // The tag verified, so this is a file written by something else with the right key; say so without echoing content.
            throw new VaultException(VaultFailure.UnsupportedFormat, path, $"The vault '{path}' decrypted but its content is not in the expected form ({e.GetType().Name}). Nothing was written.");
        }
    }
}
