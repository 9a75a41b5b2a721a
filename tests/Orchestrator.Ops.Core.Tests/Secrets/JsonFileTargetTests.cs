using System.Text.Json.Nodes;
using Orchestrator.Ops.Core.Secrets.Targets;
using static Orchestrator.Ops.Core.Tests.Secrets.TargetTestKit;

namespace Orchestrator.Ops.Core.Tests.Secrets;

public sealed class JsonFileTargetTests : IDisposable
{
    private const string Original = """
        {
          "name": "routellm",
          "port": 8080,
          "ratio": 1.50,
          "auth": { "user": "svc", "token": "stale", "scopes": ["read", "write"] },
          "upstreams": [ { "url": "http://127.0.0.1:9/", "weight": null } ],
          "note": "caf\u00e9 + tea"
        }
        """;

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private JsonFileTarget Target(string property = "auth.token", string? previous = "auth.previousToken", bool strict = false, Action<string>? warn = null) =>
        new(_temp.File("app.json"), property, previous, strict, warn);

    private JsonObject Read() => JsonNode.Parse(File.ReadAllText(_temp.File("app.json")))!.AsObject();

    [Fact]
    public void The_value_and_the_previous_value_round_trip_and_every_other_property_keeps_its_value()
    {
        var path = _temp.Write("app.json", Original);
        var target = Target();

        Apply(target, Current, Previous);

        var written = Read();
        Assert.Equal(Current, (string?)written["auth"]!["token"]);
        Assert.Equal(Previous, (string?)written["auth"]!["previousToken"]);
        Assert.Equal(Current, target.ReadCurrent()!.RevealString());
        Assert.Equal(OwnerOnly, Mode(path));
        Assert.Equal("JSON file " + path + " (auth.token)", target.Display);

        // Everything else is as it was: values, order, and even a number's spelling.
        var expected = JsonNode.Parse(Original)!.AsObject();
        expected["auth"]!["token"] = Current;
        expected["auth"]!["previousToken"] = Previous;
        Assert.True(JsonNode.DeepEquals(expected, written));
        Assert.Equal(["name", "port", "ratio", "auth", "upstreams", "note"], written.Select(p => p.Key));
        Assert.Equal(["user", "token", "scopes", "previousToken"], written["auth"]!.AsObject().Select(p => p.Key));
        var text = File.ReadAllText(path);
        Assert.Contains("\"ratio\": 1.50", text);
        Assert.Contains("café + tea", text);
        Assert.Contains("\n  \"auth\": {\n    \"user\"", text);

        Apply(target, Current, null);

        expected["auth"]!.AsObject().Remove("previousToken");
        Assert.True(JsonNode.DeepEquals(expected, Read()));
    }

    [Fact]
    public void Missing_objects_on_the_path_and_a_missing_file_are_created()
    {
        var target = new JsonFileTarget(_temp.File("new/app.json"), "secrets.routellm.token", "secrets.routellm.previous");

        Assert.Null(target.ReadCurrent());
        Assert.Empty(target.Check());
        Apply(target, Current, Previous);

        var written = JsonNode.Parse(File.ReadAllText(target.Path))!;
        Assert.Equal(Current, (string?)written["secrets"]!["routellm"]!["token"]);
        Assert.Equal(Previous, (string?)written["secrets"]!["routellm"]!["previous"]);
        Assert.Equal(OwnerOnly, Mode(target.Path));
    }

    [Fact]
    public void Applying_the_same_values_again_leaves_the_file_untouched()
    {
        var path = _temp.Write("app.json", Original);
        var target = Target();
        Apply(target, Current, Previous);
        var written = File.ReadAllBytes(path);
        var stamp = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);

        Apply(target, Current, Previous);

        Assert.Equal(written, File.ReadAllBytes(path));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
    }

    [Theory]
    [InlineData("{ \"auth\": { \"token\": \"x\", } }", 1)]
    [InlineData("{\n  \"auth\": {\n    \"token\": NEW-recognizable\n  }\n}", 3)]
    [InlineData("{ \"a\": 1 } // trailing comment", 1)]
    [InlineData("{ \"auth\": 1", 1)]
    public void A_file_that_is_not_valid_JSON_is_refused_naming_the_file_and_where_and_left_alone(string content, int line)
    {
        var path = _temp.Write("app.json", content);

        var e = Assert.Throws<SecretTargetException>(() => Apply(Target(), Current, Previous));

        Assert.Contains(path, e.Message);
        Assert.Contains("not valid JSON", e.Message);
        Assert.Contains($"line {line}", e.Message);
        Assert.DoesNotContain("recognizable", e.Message);
        AssertNoValue(e);
        Assert.Equal(content, File.ReadAllText(path));
        Assert.Contains(Target().Check(), p => p.Contains("not valid JSON", StringComparison.Ordinal));
        Assert.Throws<SecretTargetException>(() => Target().ReadCurrent());
    }

    [Fact]
    public void A_property_named_twice_is_refused()
    {
        var content = "{ \"auth\": { \"token\": \"a\" }, \"auth\": {} }";
        var path = _temp.Write("app.json", content);

        var e = Assert.Throws<SecretTargetException>(() => Apply(Target(), Current, Previous));

        Assert.Contains(path, e.Message);
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Theory]
    [InlineData("name.token", "'name' holds a string")]
    [InlineData("auth.scopes.token", "'auth.scopes' holds an array")]
    [InlineData("port.token", "'port' holds a number")]
    public void A_path_through_something_that_is_not_an_object_is_a_clear_error(string property, string expected)
    {
        var path = _temp.Write("app.json", Original);

        var e = Assert.Throws<SecretTargetException>(() => Apply(Target(property, null), Current, Previous));

        Assert.Contains(expected, e.Message);
        Assert.Contains("not an object", e.Message);
        Assert.Contains(property, e.Message);
        Assert.Equal(Original, File.ReadAllText(path));
    }

    [Fact]
    public void A_top_level_that_is_not_an_object_is_refused()
    {
        _temp.Write("app.json", "[1, 2]");

        var e = Assert.Throws<SecretTargetException>(() => Apply(Target(), Current, null));

        Assert.Contains("an array at the top", e.Message);
    }

    [SkippableFact]
    public void A_file_others_can_read_is_a_warning_or_in_strict_mode_an_error()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        var path = _temp.Write("app.json", Original);
        SetMode(path, OwnerOnly | UnixFileMode.GroupRead);

        var e = Assert.Throws<SecretTargetException>(() => Apply(Target(strict: true), Current, Previous));
        Assert.Contains("0640", e.Message);
        Assert.Equal(Original, File.ReadAllText(path));

        var warnings = new List<string>();
        Apply(Target(warn: warnings.Add), Current, Previous);
        Assert.Contains("0640", Assert.Single(warnings));
        Assert.Equal(OwnerOnly, Mode(path));
    }

    [SkippableFact]
    public void A_folder_that_is_not_writable_fails_the_write_and_leaves_the_file_as_it_was()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes and a POSIX shell: the module supports Linux only.");

        var path = _temp.Write("ro/app.json", Original);
        var target = new JsonFileTarget(path, "auth.token");
        using var readOnly = new ReadOnlyFolder(Path.GetDirectoryName(path)!);
        Skip.If(!readOnly.Enforced, ReadOnlyFolder.NotEnforcedReason);

        Assert.Contains(target.Check(), p => p.Contains("is not writable", StringComparison.Ordinal));
        var e = Assert.Throws<SecretTargetException>(() => Apply(target, Current, Previous));
        Assert.Contains("still holds its previous contents", e.Message);
        AssertNoValue(e);
        Assert.Equal(Original, File.ReadAllText(path));
    }

    [Fact]
    public void Paths_that_are_not_dotted_property_paths_or_that_overlap_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new JsonFileTarget(_temp.File("a.json"), "auth..token"));
        Assert.Throws<ArgumentException>(() => new JsonFileTarget(_temp.File("a.json"), "auth.token", "auth.token"));
        Assert.Throws<ArgumentException>(() => new JsonFileTarget(_temp.File("a.json"), "auth.token", "auth"));
        Assert.Throws<ArgumentException>(() => new JsonFileTarget(_temp.File("a.json"), "auth", "auth.token.previous"));
    }
}
