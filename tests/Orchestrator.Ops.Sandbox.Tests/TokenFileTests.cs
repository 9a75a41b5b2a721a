using System.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace Orchestrator.Ops.Sandbox.Tests;

public class TokenFileTests
{
    private static string Value(TokenFile file, string key) =>
        file.Snapshot.Values.TryGetValue(key, out var bytes) ? Encoding.UTF8.GetString(bytes) : "<unset>";

    [Fact]
    public void Parse_reads_assignments_as_systemd_does_and_reports_the_lines_it_ignores()
    {
        var values = EnvFile.Parse(
            "# comment\n; also a comment\n\nA=1\nB = two words \nexport C=3\nD=\"4\"\nE='5 \\ $x'\nA=override\n" +
            "no equals\n=x\n9X=1\nbad-key=1\nF=\n  G=  spaced  \r\nH=\"\"\nI=\"two\nlines\"\nJ=\"esc \\\" \\$ \\q\"\n",
            out var ignored);

        Assert.Equal("override", values["A"]);
        Assert.Equal("two words", values["B"]);
        Assert.False(values.ContainsKey("C"));
        Assert.Equal("4", values["D"]);
        Assert.Equal("5 \\ $x", values["E"]);
        Assert.Equal(string.Empty, values["F"]);
        Assert.Equal("spaced", values["G"]);
        Assert.Equal(string.Empty, values["H"]);
        Assert.Equal("two\nlines", values["I"]);
        Assert.Equal("esc \" $ \\q", values["J"]);
        Assert.Equal(9, values.Count);

        // "export C=3", no '=', an empty name, a name starting with a digit, a name with '-'.
        Assert.Equal(new[] { 6, 10, 11, 12, 13 }, ignored);
    }

    [Theory]
    [InlineData("routellm", "ROUTELLM_TOKEN")]
    [InlineData("poml", "POML_TOKEN")]
    [InlineData("external-tools", "EXTERNAL_TOOLS_TOKEN")]
    public void Each_wrapper_reads_its_own_variable(string wrapper, string variable)
    {
        using var dir = new TempDir();
        var auth = new InstanceAuth(wrapper, new TokenFile(Path.Combine(dir.Path, "blue.env"), NullLogger.Instance));
        Assert.Equal(variable, auth.Variable);
        Assert.Equal(variable + "_PREVIOUS", auth.PreviousVariable);
    }

    [Fact]
    public void A_file_that_cannot_be_read_keeps_the_last_good_tokens_and_a_missing_file_has_none()
    {
        using var dir = new TempDir();
        var file = new TokenFile(Path.Combine(dir.Path, "blue.env"), NullLogger.Instance);
        Assert.False(file.Refresh(force: true));
        Assert.False(file.Snapshot.Exists);

        TokenSupport.WriteEnv(dir.Path, "blue", "POML_TOKEN=good");
        Assert.True(file.Refresh(force: false));
        Assert.Equal("good", Value(file, "POML_TOKEN"));

        // Not UTF-8: refused as a whole, the last good tokens stay.
        TokenSupport.WriteEnvBytes(dir.Path, "blue", [.. "POML_TOKEN=bad\n"u8, 0xC3, 0x28, (byte)'\n']);
        Assert.False(file.Refresh(force: true));
        Assert.Equal("good", Value(file, "POML_TOKEN"));

        // Larger than any env file of tokens: refused too.
        TokenSupport.WriteEnvText(dir.Path, "blue", "POML_TOKEN=huge\n" + new string('#', TokenFile.MaxFileBytes));
        Assert.False(file.Refresh(force: true));
        Assert.Equal("good", Value(file, "POML_TOKEN"));

        // Deleted: no tokens at all (fail closed), until it is back.
        File.Delete(Path.Combine(dir.Path, "blue.env"));
        Assert.True(file.Refresh(force: true));
        Assert.False(file.Snapshot.Exists);
        TokenSupport.WriteEnv(dir.Path, "blue", "POML_TOKEN=again");
        Assert.True(file.Refresh(force: false));
        Assert.Equal("again", Value(file, "POML_TOKEN"));

        // Same size, and possibly the same coarse timestamps: the forced read (once a second in the store) catches it.
        TokenSupport.WriteEnv(dir.Path, "blue", "POML_TOKEN=later");
        Assert.True(file.Refresh(force: true));
        Assert.Equal("later", Value(file, "POML_TOKEN"));
        Assert.False(file.Refresh(force: true)); // same content: nothing to do
    }

    [Fact]
    public void Matches_compares_the_utf8_bytes_of_long_and_non_ascii_tokens_too()
    {
        var longToken = new string('k', 3000) + "é";
        var current = Encoding.UTF8.GetBytes(longToken);
        var previous = Encoding.UTF8.GetBytes("prévious");

        Assert.True(InstanceAuth.Matches(longToken, current, previous));
        Assert.True(InstanceAuth.Matches("prévious", current, previous));
        Assert.False(InstanceAuth.Matches("previous", current, previous));
        Assert.False(InstanceAuth.Matches(longToken[..^1] + "e", current, previous));
        Assert.False(InstanceAuth.Matches(string.Empty, [], null));
        Assert.False(InstanceAuth.Matches(new string('k', InstanceAuth.MaxTokenChars + 1), Encoding.UTF8.GetBytes(new string('k', InstanceAuth.MaxTokenChars + 1)), null));
    }
}
