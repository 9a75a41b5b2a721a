using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Secrets;
using Microsoft.Extensions.Time.Testing;

namespace Orchestrator.Ops.Core.Tests.Secrets;

/// <summary>The vault side of rotation against a real vault file: Pending is added, resumed, promoted and discarded.</summary>
public sealed class RotationVaultTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _temp = new();
    private readonly VaultKey _key = VaultKey.Generate();
    private readonly SecretSettings _settings;
    private readonly RotationVault _vault;
    private int _opens;

    public RotationVaultTests()
    {
        _settings = new SecretSettings { VaultPath = _temp.File("vault.bin"), KeyFile = _temp.File("vault.key") };
        _vault = new RotationVault(_settings, _ => Open(), new FakeTimeProvider(At));
    }

    public void Dispose()
    {
        _key.Dispose();
        _temp.Dispose();
    }

    private VaultHandle Open()
    {
        _opens++;
        var material = VaultKey.Resolve(null, null, false, null, name => name == VaultKey.EnvironmentVariable ? _key.ToBase64() : null);
        return new VaultHandle(SecretVault.Open(_settings.VaultPath, material), material);
    }

    private static SecretValue V(string s) => SecretValue.FromString(s);

    private static SecretRotationRecord Record(SecretRotationStep step = SecretRotationStep.Started, int? toVersion = null) => new()
    {
        RequestToken = "t-1",
        Name = "app-token",
        Step = step,
        ToVersion = toVersion,
        StartedAt = At,
        StartedBy = "tester@test",
    };

    private void Seed(Func<VaultContents, VaultContents> change)
    {
        using var handle = Open();
        handle.Vault.Update(change);
    }

    private VaultSecret Secret() => _vault.Read().Find("app-token")!;

    [Fact]
    public void Without_a_vault_file_the_contents_are_empty_and_no_key_is_asked_for()
    {
        Assert.Empty(_vault.Read().Secrets);
        Assert.Equal(0, _opens);
    }

    [Fact]
    public void A_pending_version_is_added_beside_the_current_one()
    {
        Seed(c => c.AddVersion("app-token", V("one"), [VaultLabels.Current], "alice", At));

        var pending = _vault.CreatePending(Record(), null, () => V("two"), "bob")!;

        Assert.Equal((2, 1), (pending.Version, pending.CurrentVersion));
        Assert.Equal(("two", "one"), (pending.Value.RevealString(), pending.CurrentValue!.RevealString()));
        var version = Secret().WithLabel(VaultLabels.Pending)!;
        Assert.Equal(("bob", At), (version.CreatedBy, version.CreatedAt));
    }

    [Fact]
    public void A_resumed_rotation_takes_its_pending_version_and_refuses_a_different_value()
    {
        _vault.CreatePending(Record(), null, () => V("first"), "bob");

        var resumed = _vault.CreatePending(Record(SecretRotationStep.Setting), null, () => throw new InvalidOperationException("no new value on resume"), "bob")!;
        Assert.Equal((1, "first", (int?)null), (resumed.Version, resumed.Value.RevealString(), resumed.CurrentVersion));
        Assert.Single(Secret().Versions);

        Assert.NotNull(_vault.CreatePending(Record(SecretRotationStep.Setting), V("first"), () => V("unused"), "bob"));
        var differs = Assert.Throws<SecretException>(() => _vault.CreatePending(Record(SecretRotationStep.Setting), V("second"), () => V("second"), "bob"));
        Assert.Equal(SecretFailure.RequestTokenMismatch, differs.Failure);
        Assert.DoesNotContain("second", differs.Message);
    }

    [Fact]
    public void A_rotation_the_vault_already_finished_creates_nothing()
    {
        Seed(c => c.AddVersion("app-token", V("one"), [VaultLabels.Previous], "alice", At).AddVersion("app-token", V("two"), [VaultLabels.Current], "bob", At));

        Assert.Null(_vault.CreatePending(Record(SecretRotationStep.Finishing, toVersion: 2), null, () => V("three"), "bob"));
        Assert.Equal(2, Secret().Versions.Length);

        // Before the finishing step the same vault gets a new pending version.
        Assert.Equal(3, _vault.CreatePending(Record(SecretRotationStep.Testing, toVersion: 2), null, () => V("three"), "bob")!.Version);
    }

    [Fact]
    public void Promoting_moves_the_labels_and_drops_versions_left_without_one()
    {
        var contents = VaultContents.Empty
            .AddVersion("app-token", V("one"), [VaultLabels.Previous], "a", At)
            .AddVersion("app-token", V("two"), [VaultLabels.Current], "a", At)
            .AddVersion("app-token", V("three"), [VaultLabels.Pending], "a", At);

        var promoted = RotationVault.Promote(contents, "app-token", 3).Find("app-token")!;

        Assert.Equal([2, 3], promoted.Versions.Select(v => v.Version));
        Assert.Equal(3, promoted.Current!.Version);
        Assert.Equal(2, promoted.WithLabel(VaultLabels.Previous)!.Version);
        Assert.Null(promoted.WithLabel(VaultLabels.Pending));
    }

    [Fact]
    public void Promoting_a_first_value_leaves_no_previous_and_promoting_twice_changes_nothing()
    {
        var contents = VaultContents.Empty.AddVersion("app-token", V("one"), [VaultLabels.Pending], "a", At);

        var once = RotationVault.Promote(contents, "app-token", 1);

        var secret = once.Find("app-token")!;
        Assert.Equal(1, secret.Current!.Version);
        Assert.Null(secret.WithLabel(VaultLabels.Previous));
        Assert.Same(once, RotationVault.Promote(once, "app-token", 1));
        Assert.Same(once, RotationVault.Promote(once, "app-token", 7));
    }

    [Fact]
    public void Discarding_pending_and_removing_previous_each_remove_one_version()
    {
        Seed(c => c.AddVersion("app-token", V("one"), [VaultLabels.Previous], "a", At)
            .AddVersion("app-token", V("two"), [VaultLabels.Current], "a", At)
            .AddVersion("app-token", V("three"), [VaultLabels.Pending], "a", At));

        _vault.DiscardPending("app-token");
        Assert.Equal([1, 2], Secret().Versions.Select(v => v.Version));

        _vault.RemovePrevious("app-token");
        Assert.Equal(2, Assert.Single(Secret().Versions).Version);

        // Nothing left to remove: the vault stays as it is.
        var bytes = File.ReadAllBytes(_settings.VaultPath);
        _vault.DiscardPending("app-token");
        _vault.RemovePrevious("app-token");
        Assert.Equal(bytes, File.ReadAllBytes(_settings.VaultPath));
    }
}
