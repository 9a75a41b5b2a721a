using Orchestrator.Ops.Core.Secrets;

namespace Orchestrator.Ops.Core.Tests.Secrets;

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

    [Fact]
    public void A_key_file_others_can_read_warns_or_in_strict_mode_fails()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

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
