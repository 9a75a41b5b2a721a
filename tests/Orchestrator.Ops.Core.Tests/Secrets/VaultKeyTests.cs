using System.Runtime.Versioning;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Secrets;

namespace Orchestrator.Ops.Core.Tests.Secrets;

// File modes are Unix's; the tests that use them skip on Windows, which the module does not support.
[UnsupportedOSPlatform("windows")]
public sealed class VaultKeyTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static Func<string, string?> Env(string? value) => name => name == VaultKey.EnvironmentVariable ? value : null;

    [Fact]
    public void The_environment_comes_first_and_no_passphrase_is_asked()
    {
        using var key = VaultKey.Generate();
        var keyFile = _temp.File("vault.key");
        VaultKey.NewKeyFile(keyFile);
        var asked = false;

        using var material = VaultKey.Resolve(keyFile, () => { asked = true; return "pass"; }, strict: false, warn: null, Env(key.ToBase64()));

        Assert.Equal(VaultKeySource.Environment, material.Source);
        Assert.False(material.IsPassphrase);
        Assert.False(asked);
    }

    [Fact]
    public void A_key_of_the_wrong_length_in_the_environment_is_a_clear_error_that_does_not_echo_it()
    {
        var value = Convert.ToBase64String(new byte[16]);

        var e = Assert.Throws<VaultException>(() => VaultKey.Resolve(null, null, false, null, Env(value)));

        Assert.Equal(VaultFailure.InvalidKey, e.Failure);
        Assert.Contains(VaultKey.EnvironmentVariable, e.Message);
        Assert.Contains("32 bytes", e.Message);
        Assert.DoesNotContain(value, e.Message);
    }

    [Fact]
    public void The_key_file_comes_before_the_passphrase_and_is_written_owner_only()
    {
        var keyFile = _temp.File("vault.key");
        VaultKey.NewKeyFile(keyFile);
        var asked = false;

        using var material = VaultKey.Resolve(keyFile, () => { asked = true; return "pass"; }, false, null, Env(null));

        Assert.Equal(VaultKeySource.KeyFile, material.Source);
        Assert.False(asked);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
    }

    [Fact]
    public void A_new_key_file_never_replaces_an_existing_one()
    {
        var keyFile = _temp.Write("vault.key", "existing");

        var e = Assert.Throws<VaultException>(() => VaultKey.NewKeyFile(keyFile));

        Assert.Equal(VaultFailure.Io, e.Failure);
        Assert.Equal("existing", File.ReadAllText(keyFile));
    }

    [SkippableFact]
    public void A_key_file_others_can_read_warns_or_in_strict_mode_fails()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        var keyFile = _temp.File("vault.key");
        VaultKey.NewKeyFile(keyFile);
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var warnings = new List<string>();

        using (var material = VaultKey.Resolve(keyFile, null, strict: false, warnings.Add, Env(null)))
        {
            Assert.Equal(VaultKeySource.KeyFile, material.Source);
        }

        var warning = Assert.Single(warnings);
        Assert.Contains("0644", warning);
        Assert.Contains(keyFile, warning);

        var e = Assert.Throws<VaultException>(() => VaultKey.Resolve(keyFile, null, strict: true, null, Env(null)));
        Assert.Equal(VaultFailure.LoosePermissions, e.Failure);
        Assert.Equal(keyFile, e.Path);
    }

    [Fact]
    public void A_missing_or_malformed_key_file_is_an_error_naming_the_file_not_its_content()
    {
        var missing = _temp.File("nope.key");
        var e = Assert.Throws<VaultException>(() => VaultKey.Resolve(missing, () => "pass", false, null, Env(null)));
        Assert.Equal(VaultFailure.KeyMissing, e.Failure);
        Assert.Contains(missing, e.Message);

        var bad = _temp.File("bad.key");
        File.WriteAllText(bad, "not-a-key-but-a-recognizable-secret");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(bad, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        e = Assert.Throws<VaultException>(() => VaultKey.Resolve(bad, null, false, null, Env(null)));
        Assert.Equal(VaultFailure.InvalidKey, e.Failure);
        Assert.DoesNotContain("recognizable-secret", e.Message);
    }

    [Fact]
    public void The_passphrase_is_last_and_without_any_source_the_key_is_missing()
    {
        using (var material = VaultKey.Resolve(null, () => "correct horse", false, null, Env(null)))
        {
            Assert.Equal(VaultKeySource.Passphrase, material.Source);
            Assert.True(material.IsPassphrase);
            Assert.DoesNotContain("correct horse", material.ToString());
        }

        var e = Assert.Throws<VaultException>(() => VaultKey.Resolve(null, () => null, false, null, Env(null)));
        Assert.Equal(VaultFailure.KeyMissing, e.Failure);
        Assert.Contains(VaultKey.EnvironmentVariable, e.Message);
    }

    [Fact]
    public void Without_any_source_the_error_names_the_vault_and_the_three_ways_to_unlock_it()
    {
        var vault = _temp.File("secrets/vault.bin");
        var keyFile = _temp.File("secrets/vault.key");

        var e = Assert.Throws<VaultException>(() => VaultKey.Resolve(null, () => null, false, null, Env(null), () => VaultKey.NoKey(vault, keyFile)));

        Assert.Equal(VaultFailure.KeyMissing, e.Failure);
        Assert.Equal(vault, e.Path);
        Assert.Equal(
            $"No key for the vault '{vault}': set the environment variable ORCHESTRATOR_OPS_VAULT_KEY (the base64 of 32 bytes), put the key in the key file named by "
            + $"secrets.keyFile in the configuration ('{keyFile}', which does not exist), or pass -VaultPassphrase for a vault locked with a passphrase.",
            e.Message);

        // Without a vault to name (the public Resolve), the three ways are still named.
        var bare = Assert.Throws<VaultException>(() => VaultKey.Resolve(null, () => null, false, null, Env(null)));
        Assert.Null(bare.Path);
        Assert.All(new[] { VaultKey.EnvironmentVariable, "secrets.keyFile", "-VaultPassphrase" }, way => Assert.Contains(way, bare.Message));
    }

    [Fact]
    public void The_error_says_what_the_vault_header_says_it_is_locked_with()
    {
        var vault = _temp.File("secrets/vault.bin");
        var keyFile = _temp.File("secrets/vault.key");
        Directory.CreateDirectory(Path.GetDirectoryName(vault)!);
        static VaultContents Add(VaultContents c) => c.AddVersion("db", SecretValue.FromString("not-in-any-message"), [VaultLabels.Current], "alice", DateTimeOffset.UnixEpoch);

        using (var passphrase = VaultKeyMaterial.FromPassphrase("correct horse battery"))
        {
            SecretVault.Open(vault, passphrase).Update(Add);
        }

        var locked = VaultKey.NoKey(vault, keyFile);
        Assert.StartsWith($"The vault '{vault}' is locked with a passphrase and none was given: pass it with -VaultPassphrase", locked.Message, StringComparison.Ordinal);
        Assert.Contains($"The environment variable ORCHESTRATOR_OPS_VAULT_KEY and the key file named by secrets.keyFile in the configuration ('{keyFile}', which does not exist) unlock only a vault locked with a key", locked.Message, StringComparison.Ordinal);

        File.Delete(vault);
        using (var key = VaultKeyMaterial.FromKey(VaultKey.Generate()))
        {
            SecretVault.Open(vault, key).Update(Add);
        }

        var keyed = VaultKey.NoKey(vault, keyFile);
        Assert.StartsWith($"The vault '{vault}' is locked with a key and no key was found: set the environment variable ORCHESTRATOR_OPS_VAULT_KEY", keyed.Message, StringComparison.Ordinal);
        Assert.Contains("-VaultPassphrase unlocks only a vault locked with a passphrase, not this one.", keyed.Message, StringComparison.Ordinal);

        // A header that cannot be read tells nothing: all three ways, none preferred.
        File.WriteAllText(vault, "not a vault");
        Assert.StartsWith("No key for the vault", VaultKey.NoKey(vault, keyFile).Message, StringComparison.Ordinal);
        Assert.All(new[] { locked, keyed }, e => Assert.DoesNotContain("not-in-any-message", e.Message));
    }

    [Fact]
    public void A_passphrase_given_for_the_first_write_locks_the_new_vault_with_it_and_makes_no_key_file()
    {
        var before = Environment.GetEnvironmentVariable(VaultKey.EnvironmentVariable);
        Environment.SetEnvironmentVariable(VaultKey.EnvironmentVariable, null);
        try
        {
            var settings = new SecretSettings { VaultPath = _temp.File("p/secrets/vault.bin"), KeyFile = _temp.File("p/keys/vault.key") };
            using (var handle = VaultAccess.Open(settings, () => "correct horse battery", null, createKeyFile: true))
            {
                Assert.True(handle.Material.IsPassphrase);
                handle.Vault.Update(c => c.AddVersion("db", SecretValue.FromString("v"), [VaultLabels.Current], "alice", DateTimeOffset.UnixEpoch));
            }

            Assert.False(File.Exists(settings.KeyFile));
            Assert.True(VaultAccess.IsLockedWithPassphrase(settings.VaultPath));

            // Without one, the first write makes the key file, and the vault is locked with the key.
            var unattended = new SecretSettings { VaultPath = _temp.File("k/secrets/vault.bin"), KeyFile = _temp.File("k/keys/vault.key") };
            using (var handle = VaultAccess.Open(unattended, null, null, createKeyFile: true))
            {
                Assert.Equal(VaultKeySource.KeyFile, handle.Material.Source);
                handle.Vault.Update(c => c.AddVersion("db", SecretValue.FromString("v"), [VaultLabels.Current], "alice", DateTimeOffset.UnixEpoch));
            }

            Assert.True(File.Exists(unattended.KeyFile));
            Assert.False(VaultAccess.IsLockedWithPassphrase(unattended.VaultPath));

            // Nothing opens the passphrase vault now that nothing is given, and the error says what it needs.
            var e = Assert.Throws<VaultException>(() => VaultAccess.Open(settings, null, null, createKeyFile: true));
            Assert.Equal(VaultFailure.KeyMissing, e.Failure);
            Assert.Contains("is locked with a passphrase", e.Message);
            Assert.False(File.Exists(settings.KeyFile));
        }
        finally
        {
            Environment.SetEnvironmentVariable(VaultKey.EnvironmentVariable, before);
        }
    }

    [Fact]
    public void The_public_resolve_reads_the_real_environment_variable()
    {
        using var key = VaultKey.Generate();
        var before = Environment.GetEnvironmentVariable(VaultKey.EnvironmentVariable);
        Environment.SetEnvironmentVariable(VaultKey.EnvironmentVariable, key.ToBase64());
        try
        {
            using var material = VaultKey.Resolve(null, null);
            Assert.Equal(VaultKeySource.Environment, material.Source);
        }
        finally
        {
            Environment.SetEnvironmentVariable(VaultKey.EnvironmentVariable, before);
        }
    }

    [Fact]
    public void A_key_never_prints_and_is_unusable_once_disposed()
    {
        var key = VaultKey.Generate();
        var base64 = key.ToBase64();

        Assert.Equal("VaultKey(***)", key.ToString());
        Assert.DoesNotContain(base64, $"{key}");
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.ToBase64());
    }
}
