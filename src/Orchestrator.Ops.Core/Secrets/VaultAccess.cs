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
    /// needs no setup; an existing vault is never given a new key.
    /// </summary>
    public static VaultHandle Open(SecretSettings settings, Func<string?>? passphrase, Action<string>? warn, bool createKeyFile)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var fromEnvironment = Environment.GetEnvironmentVariable(VaultKey.EnvironmentVariable);
        var keyFileExists = File.Exists(settings.KeyFile);
        if (string.IsNullOrWhiteSpace(fromEnvironment) && !keyFileExists && createKeyFile && !File.Exists(settings.VaultPath))
        {
            CreateOwnerOnlyFolder(Path.GetDirectoryName(settings.KeyFile)!);
            CreateOwnerOnlyFolder(Path.GetDirectoryName(settings.VaultPath)!);
            VaultKey.NewKeyFile(settings.KeyFile);
            keyFileExists = true;
        }

        var material = VaultKey.Resolve(keyFileExists ? settings.KeyFile : null, passphrase, settings.Strict, warn);
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

    /// <summary>Creates <paramref name="folder"/> readable by its owner only (0700), when it does not exist.</summary>
    public static void CreateOwnerOnlyFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
