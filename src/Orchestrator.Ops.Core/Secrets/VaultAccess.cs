using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>An open vault together with the key material it was opened with; disposing zeroes the key.</summary>
public sealed class VaultHandle : IDisposable
{
    internal VaultHandle(SecretVault vault, VaultKeyMaterial material)
    {
        Vault = vault;
        Material = material;
    }

    public SecretVault Vault { get; }

    public VaultKeyMaterial Material { get; }

    public void Dispose()
    {
        Vault.Dispose();
        Material.Dispose();
    }
}

/// <summary>Opens the configured vault with the key from the environment, the key file, or a passphrase — in that order.</summary>
public static class VaultAccess
{
    /// <summary>
    /// Opens the vault of <paramref name="settings"/>. When no key is given anywhere and neither the vault nor the key
    /// file exists yet, <paramref name="createKeyFile"/> makes a new key file (0600, in a 0700 folder) so unattended use
    /// needs no setup; an existing vault is never given a new key. A <paramref name="passphrase"/> given for a vault that
    /// does not exist yet locks the new vault with it instead: no key file is made, so the passphrase is not ignored.
    /// </summary>
    public static VaultHandle Open(SecretSettings settings, Func<string?>? passphrase, Action<string>? warn, bool createKeyFile)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var fromEnvironment = Environment.GetEnvironmentVariable(VaultKey.EnvironmentVariable);
        var keyFileExists = File.Exists(settings.KeyFile);
        var vaultExists = File.Exists(settings.VaultPath);
        if (string.IsNullOrWhiteSpace(fromEnvironment) && !keyFileExists && createKeyFile && !vaultExists)
        {
            OwnerOnly.CreateFolder(Path.GetDirectoryName(settings.VaultPath)!);
            if (passphrase is null)
            {
                OwnerOnly.CreateFolder(Path.GetDirectoryName(settings.KeyFile)!);
                VaultKey.NewKeyFile(settings.KeyFile);
                keyFileExists = true;
            }
        }

        var material = VaultKey.Resolve(keyFileExists ? settings.KeyFile : null, passphrase, settings.Strict, warn, Environment.GetEnvironmentVariable,
            () => VaultKey.NoKey(settings.VaultPath, settings.KeyFile));
        try
        {
            return new VaultHandle(SecretVault.Open(settings.VaultPath, material, settings.Strict, warn), material);
        }
        catch
        {
            material.Dispose();
            throw;
        }
    }

    /// <summary>Whether a key can be had without asking anyone: the environment variable or an existing key file.</summary>
    public static bool HasUnattendedKey(SecretSettings settings) =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(VaultKey.EnvironmentVariable)) || File.Exists(settings.KeyFile);

    /// <summary>Whether the vault file at <paramref name="vaultPath"/> exists and its header says it is locked with a passphrase.</summary>
    public static bool IsLockedWithPassphrase(string vaultPath) => VaultFileFormat.PeekKdf(vaultPath) == VaultFileFormat.KdfPbkdf2;
}
