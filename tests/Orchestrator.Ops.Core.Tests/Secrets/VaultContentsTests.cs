using Orchestrator.Ops.Core.Secrets;

namespace Orchestrator.Ops.Core.Tests.Secrets;

public sealed class VaultContentsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private static SecretValue V(string s) => SecretValue.FromString(s);

    private static void AssertLabelsUnique(VaultContents contents)
    {
        foreach (var secret in contents.Secrets.Values)
        {
            foreach (var label in VaultLabels.All)
            {
                Assert.True(secret.Versions.Count(v => v.HasLabel(label)) <= 1, $"{secret.Name} has {label} on more than one version");
            }
        }
    }

    [Fact]
    public void A_new_version_takes_its_labels_from_the_versions_that_had_them()
    {
        var contents = VaultContents.Empty
            .AddVersion("db", V("one"), [VaultLabels.Current], "alice", At)
            .AddVersion("db", V("two"), [VaultLabels.Pending], "bob", At.AddHours(1));

        contents = contents.MoveLabel("db", VaultLabels.Previous, 1).MoveLabel("db", "current", 2);
        var db = contents.Find("DB")!;

        Assert.Equal([1, 2], db.Versions.Select(v => v.Version));
        Assert.Equal(2, db.Current!.Version);
        Assert.Equal(2, db.WithLabel(VaultLabels.Pending)!.Version);
        Assert.Equal(1, db.WithLabel(VaultLabels.Previous)!.Version);
        Assert.Equal("bob", db.Current.CreatedBy);
        Assert.Equal(At.AddHours(1), db.Current.CreatedAt);
        AssertLabelsUnique(contents);

        contents = contents.AddVersion("db", V("three"), [VaultLabels.Current, VaultLabels.Pending], "carol", At.AddHours(2));
        db = contents.Find("db")!;
        Assert.Equal(3, db.Current!.Version);
        Assert.Equal(3, db.WithLabel(VaultLabels.Pending)!.Version);
        Assert.Empty(db.GetVersion(2)!.Labels);
        AssertLabelsUnique(contents);
    }

    [Fact]
    public void Removing_versions_keeps_numbers_and_the_last_removes_the_secret()
    {
        var contents = VaultContents.Empty
            .AddVersion("api", V("a"), [VaultLabels.Previous], "ops", At)
            .AddVersion("api", V("b"), [VaultLabels.Current], "ops", At)
            .RemoveVersion("api", 1)
            .AddVersion("api", V("c"), [], "ops", At);

        Assert.Equal([2, 3], contents.Find("api")!.Versions.Select(v => v.Version));
        Assert.Null(contents.Find("api")!.WithLabel(VaultLabels.Previous));

        contents = contents.RemoveVersion("api", 2).RemoveVersion("api", 3);
        Assert.Null(contents.Find("api"));
    }

    [Fact]
    public void Unknown_labels_secrets_and_versions_are_refused_without_change()
    {
        var contents = VaultContents.Empty.AddVersion("db", V("one"), [VaultLabels.Current], "ops", At);

        Assert.Throws<ArgumentException>(() => contents.AddVersion("db", V("x"), ["Latest"], "ops", At));
        Assert.Throws<ArgumentException>(() => contents.MoveLabel("db", "Latest", 1));
        Assert.Throws<KeyNotFoundException>(() => contents.MoveLabel("db", VaultLabels.Pending, 9));
        Assert.Throws<KeyNotFoundException>(() => contents.RemoveVersion("nope", 1));
        Assert.Throws<ArgumentException>(() => contents.AddVersion(" db", V("x"), [], "ops", At));
        Assert.Single(contents.Find("db")!.Versions);
    }

    [Fact]
    public void Nothing_that_describes_contents_shows_a_value()
    {
        const string value = "hunter2-RECOGNIZABLE-c0ffee";
        var contents = VaultContents.Empty.AddVersion("db", V(value), [VaultLabels.Current], "ops", At);
        var secret = contents.Find("db")!;
        var version = secret.Current!;

        foreach (var text in new[] { contents.ToString(), secret.ToString(), version.ToString(), version.Value.ToString(), $"{version.Value}" })
        {
            Assert.DoesNotContain(value, text);
        }

        Assert.Equal(value, version.Value.RevealString());
        Assert.True(version.Value.ValueEquals(SecretValue.FromString(value)));
    }
}
