using System.Security.Cryptography;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// The vault's 32-byte AES-256 key. It never prints (ToString gives "VaultKey(***)") and zeroes its bytes when disposed.
/// </summary>
public sealed class VaultKey : IDisposable
{
    /// <summary>The environment variable a scheduled script sets so the vault opens with no prompt.</summary>
    public const string EnvironmentVariable = "ORCHESTRATOR_OPS_VAULT_KEY";

    public const int Length = 32;

    private readonly byte[] _bytes;
    private bool _disposed;

    internal VaultKey(byte[] bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A vault key is {Length} bytes.", nameof(bytes));
        }

        _bytes = bytes;
    }

    internal ReadOnlySpan<byte> Bytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes;
        }
    }

    internal VaultKey Copy() => new(Bytes.ToArray());

    /// <summary>A fresh random key (for a key file, or for tests).</summary>
    public static VaultKey Generate() => new(RandomNumberGenerator.GetBytes(Length));

    /// <summary>The key as base64, for putting in the environment variable or a key file.</summary>
    public string ToBase64() => Convert.ToBase64String(Bytes);

    /// <summary>
    /// Finds the key material, in order: <see cref="EnvironmentVariable"/>, the key file, the passphrase. A passphrase is
    /// only asked for when neither of the others is there, so scheduled scripts never prompt.
    /// </summary>
    /// <param name="keyFilePath">The key file named in configuration, or null when none is.</param>
    /// <param name="passphrase">Asked last; null or an empty answer means no passphrase.</param>
    /// <param name="strict">A key file others can read is an error rather than a warning.</param>
    /// <param name="warn">Receives warnings (a key file others can read when not strict).</param>
    public static VaultKeyMaterial Resolve(string? keyFilePath, Func<string?>? passphrase, bool strict = false, Action<string>? warn = null) =>
        Resolve(keyFilePath, passphrase, strict, warn, System.Environment.GetEnvironmentVariable);

    /// <param name="noKey">The error when nothing gives a key; <see cref="NoKey(string?, string?)"/> without a vault when null.</param>
    internal static VaultKeyMaterial Resolve(string? keyFilePath, Func<string?>? passphrase, bool strict, Action<string>? warn, Func<string, string?> environment, Func<VaultException>? noKey = null)
    {
        var fromEnvironment = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            var key = Parse(fromEnvironment, null, $"The environment variable {EnvironmentVariable} does not hold a vault key: it must be the base64 of {Length} bytes (make one with `openssl rand -base64 32`).");
            return new VaultKeyMaterial(VaultKeySource.Environment, key, null);
        }

        if (!string.IsNullOrEmpty(keyFilePath))
        {
            return new VaultKeyMaterial(VaultKeySource.KeyFile, ReadKeyFile(keyFilePath, strict, warn), null);
        }

        var answer = passphrase?.Invoke();
        if (!string.IsNullOrEmpty(answer))
        {
            return new VaultKeyMaterial(VaultKeySource.Passphrase, null, answer.ToCharArray());
        }

        throw noKey?.Invoke() ?? NoKey(null, null);
    }

    /// <summary>
    /// The error when nothing unlocks the vault at <paramref name="vaultPath"/>: it names the three ways — the environment
    /// variable, the configuration's secrets.keyFile and -VaultPassphrase — and, when the vault's header tells how it is
    /// locked, says which of them fits. Only paths go into it, never key material.
    /// </summary>
    /// <param name="vaultPath">The vault, or null when there is none to name.</param>
    /// <param name="keyFilePath">Where secrets.keyFile points (a file that does not exist), or null when unknown.</param>
    internal static VaultException NoKey(string? vaultPath, string? keyFilePath)
    {
        var keyFile = keyFilePath is null ? "the key file named by secrets.keyFile in the configuration" : $"the key file named by secrets.keyFile in the configuration ('{keyFilePath}', which does not exist)";
        var lockedWith = vaultPath is null ? null : VaultFileFormat.PeekKdf(vaultPath);
        var message = lockedWith switch
        {
            VaultFileFormat.KdfPbkdf2 =>
                $"The vault '{vaultPath}' is locked with a passphrase and none was given: pass it with -VaultPassphrase (a SecureString). "
                + $"Nothing asks for it where no person can answer (a scheduled or non-interactive session). The environment variable {EnvironmentVariable} and {keyFile} unlock only a vault locked with a key, not this one.",
            VaultFileFormat.KdfNone =>
                $"The vault '{vaultPath}' is locked with a key and no key was found: set the environment variable {EnvironmentVariable} to it (the base64 of {Length} bytes), "
                + $"or put it in {keyFile}. -VaultPassphrase unlocks only a vault locked with a passphrase, not this one.",
            _ =>
                $"No key for the vault{(vaultPath is null ? string.Empty : $" '{vaultPath}'")}: set the environment variable {EnvironmentVariable} (the base64 of {Length} bytes), "
                + $"put the key in {keyFile}, or pass -VaultPassphrase for a vault locked with a passphrase.",
        };
        return new VaultException(VaultFailure.KeyMissing, vaultPath, message);
    }

    /// <summary>Writes a new random key to <paramref name="path"/>, readable by its owner only. An existing file is never replaced.</summary>
    public static void NewKeyFile(string path)
    {
        if (File.Exists(path))
        {
            throw new VaultException(VaultFailure.Io, path, $"The key file '{path}' already exists; a vault locked with it would be lost if it were replaced. Choose another path or remove it first.");
        }

        using var key = Generate();
        AtomicFile.WriteAllText(path, key.ToBase64() + "\n", OwnerOnly.FileMode);
    }

    /// <summary>Warns, or fails when strict, when the file at <paramref name="path"/> can be read by its group or others.</summary>
    internal static void CheckOwnerOnly(string path, string what, bool strict, Action<string>? warn)
    {
        if (OwnerOnly.LooseModeMessage(path, what) is not { } message)
        {
            return;
        }

        if (strict)
        {
            throw new VaultException(VaultFailure.LoosePermissions, path, message + " Strict mode refuses it until then.");
        }

        warn?.Invoke(message);
    }

    private static VaultKey ReadKeyFile(string path, bool strict, Action<string>? warn)
    {
        string text;
        try
        {
            CheckOwnerOnly(path, "vault key file", strict, warn);
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new VaultException(VaultFailure.KeyMissing, path, $"The vault key file '{path}' named in configuration does not exist. Create one (owner-only, 0600) holding the base64 of 32 random bytes, e.g. `openssl rand -base64 32`, or fix the path.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VaultException(VaultFailure.Io, path, $"The vault key file '{path}' cannot be read: {e.Message}", e);
        }

        return Parse(text, path, $"The vault key file '{path}' does not hold a vault key: it must be the base64 of {Length} bytes.");
    }

    private static VaultKey Parse(string base64, string? path, string error)
    {
        var buffer = new byte[(base64.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var written) || written != Length)
        {
            CryptographicOperations.ZeroMemory(buffer);
            throw new VaultException(VaultFailure.InvalidKey, path, error);
        }

        var bytes = buffer[..Length];
        CryptographicOperations.ZeroMemory(buffer);
        return new VaultKey(bytes);
    }

    public override string ToString() => "VaultKey(***)";

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_bytes);
            _disposed = true;
        }
    }
}
