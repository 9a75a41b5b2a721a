using System.Security.Cryptography;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// What unlocks a vault, before the vault's header is read: a ready key (environment or key file), or a passphrase
/// that becomes a key only with the salt and iteration count stored in that vault's header. Never prints its secret.
/// </summary>
public sealed class VaultKeyMaterial : IDisposable
{
    /// <summary>PBKDF2-HMAC-SHA256 iterations for new vaults (OWASP's 2023 figure).</summary>
    public const int Pbkdf2Iterations = 600_000;

    /// <summary>Fewer iterations than this in a header is refused: it would weaken a passphrase.</summary>
    internal const int MinimumIterations = 600_000;

    /// <summary>More than this is refused so a changed header cannot make a read spin for hours.</summary>
    internal const int MaximumIterations = 10_000_000;

    internal const int SaltLength = 16;

    private readonly VaultKey? _key;
    private readonly char[]? _passphrase;
    private bool _disposed;

    internal VaultKeyMaterial(VaultKeySource source, VaultKey? key, char[]? passphrase)
    {
        Source = source;
        _key = key;
        _passphrase = passphrase;
    }

    public VaultKeySource Source { get; }

    /// <summary>True when the key is derived per vault from a passphrase and that vault's salt.</summary>
    public bool IsPassphrase => _passphrase is not null;

    /// <summary>Material holding a ready key; the material owns it from now on.</summary>
    public static VaultKeyMaterial FromKey(VaultKey key, VaultKeySource source = VaultKeySource.KeyFile) => new(source, key, null);

    /// <summary>Material holding a passphrase (copied; the copy is zeroed on dispose).</summary>
    public static VaultKeyMaterial FromPassphrase(string passphrase)
    {
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        return new(VaultKeySource.Passphrase, null, passphrase.ToCharArray());
    }

    /// <summary>The key for a ready key; for a passphrase, PBKDF2-HMAC-SHA256 over the vault's salt. The caller disposes it.</summary>
    internal VaultKey KeyFor(byte[]? salt, int iterations)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_key is not null)
        {
            return _key.Copy();
        }

        var bytes = Rfc2898DeriveBytes.Pbkdf2(_passphrase!, salt!, iterations, HashAlgorithmName.SHA256, VaultKey.Length);
        return new VaultKey(bytes);
    }

    public override string ToString() => $"VaultKeyMaterial({Source}, ***)";

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _key?.Dispose();
        if (_passphrase is not null)
        {
            Array.Clear(_passphrase);
        }

        _disposed = true;
    }
}
