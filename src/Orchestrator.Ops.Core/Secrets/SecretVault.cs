using System.Security.Cryptography;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// One vault file: AES-256-GCM over the whole contents, a fresh nonce per write, the tag checked on every read.
/// Readers take no lock (a write is a rename, so they see the old file or the new); writers go through
/// <see cref="Update"/>, which serializes them across processes and re-reads under the lock so none is lost.
/// </summary>
public sealed class SecretVault : IDisposable
{
    /// <summary>How long <see cref="Update"/> waits for another writer before failing with <see cref="VaultFailure.Locked"/>.</summary>
    public static readonly TimeSpan DefaultLockWait = TimeSpan.FromSeconds(5);

    private readonly VaultKeyMaterial _material;
    private readonly bool _strict;
    private readonly Action<string>? _warn;
    private readonly TimeSpan _lockWait;
    private readonly object _keyCacheGate = new();
    private (byte[]? Salt, int Iterations, VaultKey Key)? _keyCache;

    private SecretVault(string path, VaultKeyMaterial material, bool strict, Action<string>? warn, TimeSpan lockWait)
    {
        Path = path;
        _material = material;
        _strict = strict;
        _warn = warn;
        _lockWait = lockWait;
    }

    public string Path { get; }

    public bool Exists => File.Exists(Path);

    /// <summary>
    /// A vault over <paramref name="path"/>; the file is created by the first <see cref="Update"/>. Nothing is read yet.
    /// </summary>
    /// <param name="keyMaterial">From <see cref="VaultKey.Resolve(string?, Func{string?}?, bool, Action{string}?)"/>; the caller keeps ownership.</param>
    /// <param name="strict">A vault file others can read is an error rather than a warning.</param>
    /// <param name="warn">Receives warnings, such as loose permissions when not strict.</param>
    /// <param name="lockWait">How long a writer waits for another; <see cref="DefaultLockWait"/> when null.</param>
    public static SecretVault Open(string path, VaultKeyMaterial keyMaterial, bool strict = false, Action<string>? warn = null, TimeSpan? lockWait = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(keyMaterial);
        return new SecretVault(System.IO.Path.GetFullPath(path), keyMaterial, strict, warn, lockWait ?? DefaultLockWait);
    }

    /// <summary>The vault's contents, verified; empty when the file does not exist yet.</summary>
    public VaultContents Read() => ReadCore().Contents;

    /// <summary>
    /// Under the cross-process lock: re-reads the vault, applies <paramref name="change"/>, and writes the result
    /// atomically (a 0600 temporary file, flushed, renamed over the vault). A failed read writes nothing; returning
    /// the same contents writes nothing.
    /// </summary>
    public VaultContents Update(Func<VaultContents, VaultContents> change, string operation = "update")
    {
        ArgumentNullException.ThrowIfNull(change);
        using var writerLock = VaultLock.Acquire(Path, _lockWait, operation);
        RemoveAbandonedTemporaryFiles();
        var (contents, header) = ReadCore();
        var changed = change(contents);
        if (ReferenceEquals(changed, contents))
        {
            return contents;
        }

        string kdf;
        byte[]? salt;
        int iterations;
        if (_material.IsPassphrase)
        {
            kdf = VaultFileFormat.KdfPbkdf2;
            salt = header?.Salt ?? RandomNumberGenerator.GetBytes(VaultKeyMaterial.SaltLength);
            iterations = header?.Iterations ?? VaultKeyMaterial.Pbkdf2Iterations;
        }
        else
        {
            (kdf, salt, iterations) = (VaultFileFormat.KdfNone, null, 0);
        }

        byte[] bytes;
        using (var key = KeyFor(salt, iterations))
        {
            bytes = VaultFileFormat.Encrypt(changed, key, kdf, salt, iterations);
        }

        try
        {
            AtomicFile.WriteAllBytes(Path, bytes, OwnerOnly.FileMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VaultException(VaultFailure.Io, Path, $"The vault '{Path}' could not be written: {e.Message}. The previous vault is unchanged.", e);
        }

        return changed;
    }

    public override string ToString() => $"SecretVault({Path})";

    /// <summary>Zeroes the key derived from a passphrase, kept so each read does not stretch it again.</summary>
    public void Dispose()
    {
        lock (_keyCacheGate)
        {
            _keyCache?.Key.Dispose();
            _keyCache = null;
        }
    }

    private (VaultContents Contents, VaultFileFormat.Header? Header) ReadCore()
    {
        byte[] file;
        try
        {
            if (!File.Exists(Path))
            {
                return (VaultContents.Empty, null);
            }

            VaultKey.CheckOwnerOnly(Path, "vault file", _strict, _warn);
            file = File.ReadAllBytes(Path);
        }
        catch (FileNotFoundException)
        {
            return (VaultContents.Empty, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VaultException(VaultFailure.Io, Path, $"The vault '{Path}' cannot be read: {e.Message}", e);
        }

        var header = VaultFileFormat.ReadHeader(file, Path);
        if ((header.Kdf == VaultFileFormat.KdfPbkdf2) != _material.IsPassphrase)
        {
            var needs = _material.IsPassphrase ? "a key (environment variable or key file)" : "a passphrase";
            throw new VaultException(VaultFailure.WrongKey, Path, $"The vault key does not match the vault '{Path}': it is locked with {needs}, but {_material.Source} was given. Nothing was written.");
        }

        using var key = KeyFor(header.Salt, header.Iterations);
        return (VaultFileFormat.Decrypt(file, header, key, Path), header);
    }

    /// <summary>
    /// A copy of the key for a salt and iteration count, which the caller disposes; a passphrase is stretched once per
    /// vault, not once per read.
    /// </summary>
    private VaultKey KeyFor(byte[]? salt, int iterations)
    {
        lock (_keyCacheGate)
        {
            if (_keyCache is { } cached && cached.Iterations == iterations && (cached.Salt ?? []).AsSpan().SequenceEqual(salt ?? []))
            {
                return cached.Key.Copy();
            }

            var key = _material.KeyFor(salt, iterations);
            _keyCache?.Key.Dispose();
            _keyCache = (salt, iterations, key);
            return key.Copy();
        }
    }

    /// <summary>Temporary files a killed writer left; only called under the lock, when no write can be under way.</summary>
    private void RemoveAbandonedTemporaryFiles()
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        if (!Directory.Exists(directory))
        {
            return;
        }

        var prefix = $".{System.IO.Path.GetFileName(Path)}.";
        foreach (var temp in Directory.EnumerateFiles(directory, prefix + "*.tmp"))
        {
            // Only this vault's own (".vault.bin.<guid>.tmp"), never those of a neighbour named "vault.bin.old".
            var middle = System.IO.Path.GetFileName(temp)[prefix.Length..^".tmp".Length];
            if (!Guid.TryParseExact(middle, "N", out _))
            {
                continue;
            }

            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
        }
    }
}
