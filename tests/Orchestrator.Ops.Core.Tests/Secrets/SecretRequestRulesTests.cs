using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Secrets;

namespace Orchestrator.Ops.Core.Tests.Secrets;

/// <summary>What a rotation request may carry, the grace period it gets, and how a rotation is described before it runs.</summary>
public sealed class SecretRequestRulesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("monthly-2026.11_run")]
    public void A_token_of_letters_digits_dashes_dots_and_underscores_is_taken(string token) =>
        SecretRequestRules.ValidateToken(token, "app-token");

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("ünïcode")]
    public void Any_other_token_is_refused(string token) =>
        Assert.Equal(SecretFailure.RequestTokenMismatch, Assert.Throws<SecretException>(() => SecretRequestRules.ValidateToken(token, "app-token")).Failure);

    [Fact]
    public void A_token_longer_than_128_characters_is_refused()
    {
        SecretRequestRules.ValidateToken(new string('t', 128), "app-token");
        Assert.Throws<SecretException>(() => SecretRequestRules.ValidateToken(new string('t', 129), "app-token"));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData("recognizable\nsecret", "control characters")]
    [InlineData("recognizable\tsecret", "control characters")]
    public void A_value_a_target_cannot_carry_is_refused_without_showing_it(string value, string why)
    {
        var e = Assert.Throws<SecretException>(() => SecretRequestRules.ValidateValue(SecretValue.FromString(value), "app-token"));

        Assert.Equal(SecretFailure.InvalidValue, e.Failure);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.Contains("'app-token'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("recognizable", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_up_to_the_longest_a_line_can_carry_is_taken()
    {
        SecretRequestRules.ValidateValue(SecretValue.FromString(new string('v', SecretRequestRules.MaxValueLength)), "app-token");
        Assert.Contains("longer than 65536", Assert.Throws<SecretException>(() =>
            SecretRequestRules.ValidateValue(SecretValue.FromString(new string('v', SecretRequestRules.MaxValueLength + 1)), "app-token")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refusal_names_the_token_to_resume_or_the_unowned_pending_version()
    {
        var running = SecretRequestRules.InProgress("app-token", "t-42", "alice@host", SecretRotationStep.Testing);
        Assert.Equal(SecretFailure.RotationInProgress, running.Failure);
        Assert.Contains("Update-Secret -Name app-token -RequestToken t-42", running.Message, StringComparison.Ordinal);
        Assert.Contains("started by alice@host, at step Testing", running.Message, StringComparison.Ordinal);

        Assert.Contains("no recorded rotation owns", SecretRequestRules.InProgress("app-token", null, null, null).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_grace_period_asked_for_wins_over_the_secret_s_which_wins_over_the_default()
    {
        var settings = new SecretSettings { VaultPath = "/v", KeyFile = "/k", GracePeriod = TimeSpan.FromHours(24) };
        var own = new ManagedSecretDefinition { Name = "a", GracePeriod = TimeSpan.FromHours(2) };
        var plain = new ManagedSecretDefinition { Name = "b" };

        Assert.Equal(TimeSpan.Zero, SecretGracePeriods.For(settings, own, TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromHours(2), SecretGracePeriods.For(settings, own, null));
        Assert.Equal(TimeSpan.FromHours(24), SecretGracePeriods.For(settings, plain, null));
    }

    [Fact]
    public void A_rotation_is_described_by_its_value_targets_checks_and_grace_period()
    {
        using var dir = new TempFolder();
        var config = OpsConfigLoader.Load(dir.Write("ops.json", Support.ConfigText.Minimal));
        var definition = new ManagedSecretDefinition
        {
            Name = "app-token",
            GracePeriod = TimeSpan.FromHours(2),
            Targets = [new SecretTargetDefinition { Kind = SecretTargetKind.File, Path = "/srv/app/token" }, new SecretTargetDefinition { Kind = SecretTargetKind.EnvFile, Path = "/srv/app.env", Variable = "APP_TOKEN" }],
        };

        Assert.Equal(
            "Rotate secret 'app-token' to a generated value: write file /srv/app/token; env file /srv/app.env (APP_TOKEN); verify nothing (no consumer configured); keep the previous value valid for 02:00:00.",
            SecretService.DescribeRotation(config, definition, valueGiven: false, gracePeriod: null));
        Assert.StartsWith("Rotate secret 'app-token' to the value given: ", SecretService.DescribeRotation(config, definition with { Wrappers = ["routellm"] }, valueGiven: true, TimeSpan.FromDays(7)), StringComparison.Ordinal);
        Assert.EndsWith("verify probes of routellm in slots blue, green; keep the previous value valid for 7.00:00:00.",
            SecretService.DescribeRotation(config, definition with { Wrappers = ["routellm"] }, valueGiven: true, TimeSpan.FromDays(7)), StringComparison.Ordinal);
    }
}
