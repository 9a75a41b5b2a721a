using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Tests.Configuration;

/// <summary>
/// The schema and the loader judge every configuration of ConfigCorpus/ alike: good/ passes both, bad/ fails both and the
/// loader names the marked line with its hint, beyond-schema/ passes the schema and fails the loader (the rules relating
/// values that a JSON Schema cannot say, listed in the schema's description).
/// </summary>
public sealed class ConfigCorpusTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> GoodCases => ConfigCorpus.Names(ConfigCorpus.Good);

    public static TheoryData<string> BadCases => ConfigCorpus.Names(ConfigCorpus.Bad);

    public static TheoryData<string> BeyondSchemaCases => ConfigCorpus.Names(ConfigCorpus.BeyondSchema);

    [Theory]
    [MemberData(nameof(GoodCases))]
    public void A_good_configuration_passes_the_schema_and_the_loader(string name)
    {
        var c = ConfigCorpus.Read(name);
        Assert.Null(c.ExpectedPath);

        var schemaErrors = ConfigCorpus.SchemaErrors(c.Text);
        var (path, problems) = ConfigCorpus.LoaderProblems(_dir, "ops.json", c.Text);

        Assert.True(schemaErrors.Count == 0, $"the schema refuses {name}: {string.Join("; ", schemaErrors)}");
        Assert.True(problems.Count == 0, $"the loader refuses {name}: {string.Join("; ", problems)}");
        Assert.NotNull(OpsConfigLoader.Load(path));
    }

    [Theory]
    [MemberData(nameof(BadCases))]
    public void A_bad_configuration_fails_the_schema_and_the_loader_names_its_line(string name)
    {
        var c = Expectation(name);

        var schemaErrors = ConfigCorpus.SchemaErrors(c.Text);
        var (path, problems) = ConfigCorpus.LoaderProblems(_dir, "ops.json", c.Text);

        Assert.True(schemaErrors.Count > 0, $"the schema accepts {name}; the loader says: {string.Join("; ", problems)}");
        AssertTheLoaderNamesIt(c, path, problems);

        // One mistake a file: what the schema refuses is in the same object, not something else the file got wrong by accident
        // (a oneOf names its other branches' keywords beside the one at fault).
        var pointer = ConfigCorpus.Pointer(c.ExpectedPath!);
        var container = pointer[..Math.Max(pointer.LastIndexOf('/'), 0)];
        Assert.All(schemaErrors, e => Assert.True(ConfigCorpus.SameBranch(e.Location, container), $"{name}: the schema also refuses {e}"));
    }

    [Theory]
    [MemberData(nameof(BeyondSchemaCases))]
    public void A_rule_beyond_the_schema_is_the_loaders(string name)
    {
        var c = Expectation(name);

        var schemaErrors = ConfigCorpus.SchemaErrors(c.Text);
        var (path, problems) = ConfigCorpus.LoaderProblems(_dir, "ops.json", c.Text);

        Assert.True(schemaErrors.Count == 0, $"the schema refuses {name}, so it belongs in bad/: {string.Join("; ", schemaErrors)}");
        AssertTheLoaderNamesIt(c, path, problems);
    }

    [Fact]
    public void The_corpus_covers_every_section()
    {
        var sections = ConfigCorpus.SchemaDocument()["properties"]!.AsObject().Select(p => p.Key).Where(k => k != "$schema").ToList();
        var bad = ConfigCorpus.Files(ConfigCorpus.Bad).Select(f => ConfigCorpus.Read(f).ExpectedPath!).ToList();
        var good = ConfigCorpus.Files(ConfigCorpus.Good).Select(f => ConfigCorpus.Read(f).Text).ToList();

        Assert.True(bad.Count >= 40, $"{bad.Count} bad cases");
        Assert.All(sections, s => Assert.Contains(bad, p => p.StartsWith($"$.{s}", StringComparison.Ordinal)));
        Assert.All(sections, s => Assert.Contains(good, text => text.Contains($"\"{s}\"", StringComparison.Ordinal)));
    }

    private static CorpusCase Expectation(string name)
    {
        var c = ConfigCorpus.Read(name);
        Assert.True(c.ExpectedPath is not null && c.ExpectedMessage is not null, $"{name} must start with '// expect $.path: message'");
        Assert.True(c.MarkedLine is not null, $"{name} must mark the line the loader names with '// <--'");
        return c;
    }

    private static void AssertTheLoaderNamesIt(CorpusCase c, string path, IReadOnlyList<ConfigurationProblem> problems)
    {
        var said = string.Join("; ", problems);
        var problem = problems.FirstOrDefault(p => p.JsonPath == c.ExpectedPath && p.Message.Contains(c.ExpectedMessage!, StringComparison.Ordinal));
        Assert.True(problem is not null, $"{c.Name}: the loader does not say '{c.ExpectedMessage}' at {c.ExpectedPath}; it says: {(said.Length == 0 ? "nothing" : said)}");
        Assert.True(problem.Line == c.MarkedLine, $"{c.Name}: the loader names line {problem.Line?.ToString() ?? "none"}, the marked line is {c.MarkedLine}");

        var expected = ConfigCorpus.Pointer(c.ExpectedPath!);
        Assert.All(problems, p => Assert.True(ConfigCorpus.SameBranch(ConfigCorpus.Pointer(p.JsonPath), expected), $"{c.Name}: the loader also says {p}"));

        // What a cmdlet shows: the exception names a line and the problem count.
        var e = Assert.Throws<OpsConfigurationException>(() => OpsConfigLoader.Load(path));
        Assert.Equal(problems, e.Problems);
        Assert.Contains($"at {problems[0].JsonPath} (line {problems[0].Line}): {problems[0].Message}", e.Message, StringComparison.Ordinal);
    }
}
