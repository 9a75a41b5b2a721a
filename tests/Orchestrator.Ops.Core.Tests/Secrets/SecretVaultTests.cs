using System.Runtime.Versioning;
using System.Diagnostics;
using Orchestrator.Ops.Core.Secrets;

namespace Orchestrator.Ops.Core.Tests.Secrets;

// File modes are Unix's; the tests that use them skip on Windows, which the module does not support.
[UnsupportedOSPlatform("windows")]
public sealed class SecretVaultTests : IDisposable
{
    private const string Value = "hunter2-RECOGNIZABLE-c0ffee";
    private static readonly DateTimeOffset At = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _temp = new();

    public SecretVaultTests() => VaultPath = _temp.File("ops/vault.bin");

    private string VaultPath { get; }

    public void Dispose() => _temp.Dispose();

    private static Func<string, string?> Env(string? value) => name => name == VaultKey.EnvironmentVariable ? value : null;

    private static VaultContents AddDb(VaultContents c) => c.AddVersion("db", SecretValue.FromString(Value), [VaultLabels.Current], "alice", At);

    private static VaultKeyMaterial NewKeyMaterial() => VaultKeyMaterial.FromKey(VaultKey.Generate());

    private static void AssertRoundTrip(VaultKeyMaterial writer, VaultKeyMaterial reader, string path)
    {
        SecretVault.Open(path, writer).Update(AddDb);

        var db = SecretVault.Open(path, reader).Read().Find("db")!;

        var version = Assert.Single(db.Versions);
        Assert.Equal(1, version.Version);
        Assert.Equal("alice", version.CreatedBy);
        Assert.Equal(At, version.CreatedAt);
        Assert.Equal([VaultLabels.Current], version.Labels);
        Assert.Equal(Value, version.Value.RevealString());
    }

    [Fact]
    public void Round_trip_with_a_key_from_the_environment()
    {
        using var key = VaultKey.Generate();
        using var writer = VaultKey.Resolve(null, null, false, null, Env(key.ToBase64()));
        using var reader = VaultKey.Resolve(null, null, false, null, Env(key.ToBase64()));
        AssertRoundTrip(writer, reader, VaultPath);
    }

    [Fact]
    public void Round_trip_with_a_key_file()
    {
        var keyFile = _temp.File("vault.key");
        VaultKey.NewKeyFile(keyFile);
        using var writer = VaultKey.Resolve(keyFile, null, false, null, Env(null));
        using var reader = VaultKey.Resolve(keyFile, null, false, null, Env(null));
        AssertRoundTrip(writer, reader, VaultPath);
    }

    [Fact]
    public void Round_trip_with_a_passphrase_stretched_with_the_vaults_salt()
    {
        using var writer = VaultKey.Resolve(null, () => "correct horse battery", false, null, Env(null));
        using var reader = VaultKey.Resolve(null, () => "correct horse battery", false, null, Env(null));
        AssertRoundTrip(writer, reader, VaultPath);

        using var wrong = VaultKeyMaterial.FromPassphrase("wrong horse battery");
        var before = File.ReadAllBytes(VaultPath);
        var e = Assert.Throws<VaultException>(() => SecretVault.Open(VaultPath, wrong).Update(AddDb));
        Assert.Equal(VaultFailure.WrongKey, e.Failure);
        Assert.Contains("does not match", e.Message);
        Assert.Equal(before, File.ReadAllBytes(VaultPath));

        // A second passphrase vault gets its own salt: the same contents and passphrase give a different key.
        var other = _temp.File("ops/other.bin");
        SecretVault.Open(other, reader).Update(AddDb);
        Assert.NotEqual(before.AsSpan(0, 120).ToArray(), File.ReadAllBytes(other).AsSpan(0, 120).ToArray());
    }

    [Fact]
    public void Every_write_uses_a_fresh_nonce()
    {
        using var key = NewKeyMaterial();
        var vault = SecretVault.Open(VaultPath, key);
        vault.Update(AddDb);
        var first = File.ReadAllBytes(VaultPath);

        // Same secrets, new contents object: written again.
        vault.Update(c => c.RemoveSecret("db").AddVersion("db", SecretValue.FromString(Value), [VaultLabels.Current], "alice", At));
        var second = File.ReadAllBytes(VaultPath);

        Assert.NotEqual(first, second);
        // Not only the header's nonce: the ciphertext itself differs (same plaintext, same key).
        Assert.NotEqual(first[^32..], second[^32..]);
        Assert.Equal(Value, vault.Read().Find("db")!.Current!.Value.RevealString());
    }

    [Fact]
    public void One_flipped_byte_anywhere_is_detected_and_nothing_is_overwritten()
    {
        using var key = NewKeyMaterial();
        var vault = SecretVault.Open(VaultPath, key);
        vault.Update(AddDb);
        var original = File.ReadAllBytes(VaultPath);

        for (var i = 0; i < original.Length; i++)
        {
            var flipped = (byte[])original.Clone();
            flipped[i] ^= 0x01;
            File.WriteAllBytes(VaultPath, flipped);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(VaultPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            var read = Assert.Throws<VaultException>(() => vault.Read());
            Assert.DoesNotContain(Value, read.ToString());
            Assert.Throws<VaultException>(() => vault.Update(c => c.AddVersion("db", SecretValue.FromString("new"), [], "bob", At)));
            Assert.Equal(flipped, File.ReadAllBytes(VaultPath));
        }

        File.WriteAllBytes(VaultPath, original);
        Assert.Equal(Value, vault.Read().Find("db")!.Current!.Value.RevealString());
    }

    [Fact]
    public void A_changed_ciphertext_or_tag_is_reported_as_tampering_and_a_changed_header_is_refused()
    {
        using var key = NewKeyMaterial();
        var vault = SecretVault.Open(VaultPath, key);
        vault.Update(AddDb);
        var original = File.ReadAllBytes(VaultPath);

        var last = (byte[])original.Clone();
        last[^1] ^= 0x80;
        File.WriteAllBytes(VaultPath, last);
        Assert.Equal(VaultFailure.Tampered, Assert.Throws<VaultException>(() => vault.Read()).Failure);

        var magic = (byte[])original.Clone();
        magic[0] = (byte)'X';
        File.WriteAllBytes(VaultPath, magic);
        Assert.Equal(VaultFailure.UnsupportedFormat, Assert.Throws<VaultException>(() => vault.Read()).Failure);
    }

    [Fact]
    public void A_flipped_salt_byte_in_a_passphrase_vault_is_detected()
    {
        using var material = VaultKeyMaterial.FromPassphrase("correct horse battery");
        var vault = SecretVault.Open(VaultPath, material);
        vault.Update(AddDb);
        var original = File.ReadAllBytes(VaultPath);
        var text = System.Text.Encoding.ASCII.GetString(original);
        var saltAt = text.IndexOf("\"salt\":\"", StringComparison.Ordinal) + 8;

        var flipped = (byte[])original.Clone();
        flipped[saltAt] = flipped[saltAt] == (byte)'A' ? (byte)'B' : (byte)'A';
        File.WriteAllBytes(VaultPath, flipped);

        Assert.Throws<VaultException>(() => SecretVault.Open(VaultPath, material).Read());
        Assert.Equal(flipped, File.ReadAllBytes(VaultPath));
    }

    [Fact]
    public void A_wrong_key_says_so_and_writes_nothing()
    {
        using var right = NewKeyMaterial();
        SecretVault.Open(VaultPath, right).Update(AddDb);
        var before = File.ReadAllBytes(VaultPath);
        using var wrong = NewKeyMaterial();
        using var passphrase = VaultKeyMaterial.FromPassphrase("pass");

        foreach (var material in new[] { wrong, passphrase })
        {
            var e = Assert.Throws<VaultException>(() => SecretVault.Open(VaultPath, material).Update(c => c.RemoveSecret("db")));
            Assert.Equal(VaultFailure.WrongKey, e.Failure);
            Assert.Contains("vault key does not match", e.Message);
            Assert.DoesNotContain(Value, e.ToString());
            Assert.Equal(before, File.ReadAllBytes(VaultPath));
        }
    }

    [SkippableFact]
    public void The_vault_and_its_lock_are_owner_only_and_a_loose_vault_warns_or_in_strict_mode_fails()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        using var key = NewKeyMaterial();
        SecretVault.Open(VaultPath, key).Update(AddDb);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(VaultPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(VaultPath + ".lock"));

        File.SetUnixFileMode(VaultPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var warnings = new List<string>();
        Assert.NotNull(SecretVault.Open(VaultPath, key, strict: false, warn: warnings.Add).Read().Find("db"));
        Assert.Contains("0640", Assert.Single(warnings));

        var e = Assert.Throws<VaultException>(() => SecretVault.Open(VaultPath, key, strict: true).Read());
        Assert.Equal(VaultFailure.LoosePermissions, e.Failure);

        // A write in non-strict mode puts the mode back to 0600.
        SecretVault.Open(VaultPath, key, warn: _ => { }).Update(c => c.MoveLabel("db", VaultLabels.Pending, 1));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(VaultPath));
    }

    [Fact]
    public async Task Concurrent_updates_from_two_threads_are_all_kept()
    {
        using var key = NewKeyMaterial();
        const int each = 15;
        var start = new ManualResetEventSlim();

        Task Writer(string who) => Task.Run(() =>
        {
            var vault = SecretVault.Open(VaultPath, key, lockWait: TimeSpan.FromSeconds(30));
            start.Wait();
            for (var i = 0; i < each; i++)
            {
                vault.Update(c => c.AddVersion("counter", SecretValue.FromString($"{who}{i}"), [VaultLabels.Current], who, At));
            }
        });

        var a = Writer("a");
        var b = Writer("b");
        start.Set();
        await Task.WhenAll(a, b).WaitAsync(TimeSpan.FromSeconds(60));

        var counter = SecretVault.Open(VaultPath, key).Read().Find("counter")!;
        Assert.Equal(Enumerable.Range(1, 2 * each), counter.Versions.Select(v => v.Version));
        Assert.Equal(each, counter.Versions.Count(v => v.CreatedBy == "a"));
        Assert.Single(counter.Versions, v => v.HasLabel(VaultLabels.Current));
    }

    [Fact]
    public void A_writer_waiting_on_the_lock_past_its_wait_fails_naming_the_holder()
    {
        using var key = NewKeyMaterial();
        var vault = SecretVault.Open(VaultPath, key, lockWait: TimeSpan.Zero);
        vault.Update(AddDb);
        var before = File.ReadAllBytes(VaultPath);

        using (VaultLock.Acquire(vault.Path, TimeSpan.Zero, "rotation test"))
        {
            var e = Assert.Throws<VaultException>(() => vault.Update(c => c.RemoveSecret("db")));
            Assert.Equal(VaultFailure.Locked, e.Failure);
            Assert.Contains($"pid {Environment.ProcessId}", e.Message);
            Assert.Contains("rotation test", e.Message);
        }

        Assert.Equal(before, File.ReadAllBytes(VaultPath));
        vault.Update(c => c.RemoveSecret("db"));
        Assert.Null(vault.Read().Find("db"));
    }

    [Fact]
    public void The_targets_lock_is_its_own_and_says_so_when_held()
    {
        using var key = NewKeyMaterial();
        var vault = SecretVault.Open(VaultPath, key, lockWait: TimeSpan.Zero);

        using (VaultLock.AcquireTargets(vault.Path, TimeSpan.Zero, "rotating db"))
        {
            // The vault itself stays writable while a rotation writes its targets.
            vault.Update(AddDb);
            var e = Assert.Throws<VaultException>(() => VaultLock.AcquireTargets(vault.Path, TimeSpan.Zero, "another rotation"));

            Assert.Equal(VaultFailure.Locked, e.Failure);
            Assert.Contains($"the secret targets of the vault '{vault.Path}'", e.Message);
            Assert.Contains("rotating db", e.Message);
        }

        Assert.True(File.Exists(vault.Path + ".targets.lock"));
        using var again = VaultLock.AcquireTargets(vault.Path, TimeSpan.Zero, "after");
    }

    [Fact]
    public void A_lock_held_by_another_process_blocks_writers_until_that_process_is_killed()
    {
        if (OperatingSystem.IsWindows() || !File.Exists("/usr/bin/flock"))
        {
            return;
        }

        using var key = NewKeyMaterial();
        var vault = SecretVault.Open(VaultPath, key, lockWait: TimeSpan.Zero);
        vault.Update(AddDb);

        // flock(1) takes the same kind of lock .NET takes for FileShare.None on Unix, from a real second process.
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/flock", ["-x", vault.Path + ".lock", "-c", "echo held; exec sleep 60"])
        {
            RedirectStandardOutput = true,
        })!;
        try
        {
            Assert.Equal("held", holder.StandardOutput.ReadLine());
            Assert.Equal(VaultFailure.Locked, Assert.Throws<VaultException>(() => vault.Update(c => c.RemoveSecret("db"))).Failure);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            Assert.True(holder.WaitForExit(10_000));
        }

        // flock's child (the shell become sleep) dies a moment after flock; the OS then drops the lock.
        var patient = SecretVault.Open(VaultPath, key, lockWait: TimeSpan.FromSeconds(10));
        patient.Update(c => c.RemoveSecret("db"));
        Assert.Null(patient.Read().Find("db"));
    }

    [Fact]
    public void A_writer_killed_mid_write_leaves_the_vault_readable_and_its_temporary_file_is_cleaned_up()
    {
        using var key = NewKeyMaterial();
        var vault = SecretVault.Open(VaultPath, key);
        vault.Update(AddDb);

        // What a writer killed between creating its temporary file and the rename leaves behind.
        var abandoned = Path.Combine(Path.GetDirectoryName(vault.Path)!, $".vault.bin.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(abandoned, [0x4F, 0x4F, 0x56, 0x41]);
        var neighbours = Path.Combine(Path.GetDirectoryName(vault.Path)!, $".vault.bin.old.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(neighbours, [1]);

        Assert.Equal(Value, vault.Read().Find("db")!.Current!.Value.RevealString());
        vault.Update(c => c.AddVersion("db", SecretValue.FromString("next"), [VaultLabels.Pending], "bob", At));

        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(neighbours));
        Assert.Equal(2, vault.Read().Find("db")!.WithLabel(VaultLabels.Pending)!.Version);
    }

    [Fact]
    public void An_update_that_changes_nothing_writes_nothing_and_a_missing_vault_reads_empty()
    {
        using var key = NewKeyMaterial();
        var vault = SecretVault.Open(VaultPath, key);

        Assert.Empty(vault.Read().Secrets);
        vault.Update(c => c);
        Assert.False(vault.Exists);
    }

    [Fact]
    public void Errors_and_descriptions_never_show_a_secret_value()
    {
        using var key = NewKeyMaterial();
        var vault = SecretVault.Open(VaultPath, key);
        var contents = vault.Update(AddDb);

        var texts = new List<string> { vault.ToString(), key.ToString(), contents.ToString() };
        texts.AddRange(contents.Secrets.Values.Select(s => s.ToString()));
        texts.AddRange(contents.Find("db")!.Versions.Select(v => v.ToString()));

        var bytes = File.ReadAllBytes(VaultPath);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(VaultPath, bytes);
        texts.Add(Assert.Throws<VaultException>(() => vault.Read()).ToString());

        Assert.All(texts, t => Assert.DoesNotContain(Value, t));
        Assert.Equal(-1, File.ReadAllBytes(VaultPath).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(Value)));
    }
}
