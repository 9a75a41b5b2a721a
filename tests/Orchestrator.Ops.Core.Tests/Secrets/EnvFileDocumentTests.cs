using Orchestrator.Ops.Core.Secrets.Targets;

namespace Orchestrator.Ops.Core.Tests.Secrets;

/// <summary>The reading of an environment file follows systemd.exec(5)'s EnvironmentFile= rules.</summary>
public sealed class EnvFileDocumentTests
{
    [Theory]
    [InlineData("A=  hello world  ", "A", "hello world")]
    [InlineData("  A = x", "A", "x")]
    [InlineData("A=\"  kept  \"  ", "A", "  kept  ")]
    [InlineData("A='single $x \\n'", "A", "single $x \\n")]
    [InlineData("A=\"q\\\"b\\\\c\\$d\\`e\\qf\"", "A", "q\"b\\c$d`e\\qf")]
    [InlineData("A=\"two\nlines\"", "A", "two\nlines")]
    [InlineData("A=\"joined\\\nhere\"", "A", "joinedhere")]
    [InlineData("A=one\\\ntwo", "A", "onetwo")]
    [InlineData("A=escaped\\ ", "A", "escaped ")]
    [InlineData("A=a\"b'c", "A", "a\"b'c")]
    [InlineData("A=", "A", "")]
    [InlineData("A=1\nA=2", "A", "2")]
    [InlineData("A=1\r\nB=2\r\n", "B", "2")]
    [InlineData("# A=1\nB=2", "A", null)]
    [InlineData("; A=1", "A", null)]
    [InlineData("# comment \\\nA=1", "A", null)]
    [InlineData("A\nB=2", "A", null)]
    public void Values_read_as_systemd_reads_them(string text, string key, string? expected)
    {
        Assert.Equal(expected, EnvFileDocument.Parse(text).Get(key));
    }

    [Fact]
    public void Setting_a_variable_assigned_twice_keeps_one_assignment_where_the_first_was()
    {
        var document = EnvFileDocument.Parse("A=1\n# c\nB=2\nA=3\n  A=4\nC=5\n");

        document.Set("A", "new");

        Assert.Equal("A=new\n# c\nB=2\nC=5\n", document.Text);
    }

    [Fact]
    public void Removing_takes_the_whole_line_even_a_quoted_value_over_several_lines()
    {
        var document = EnvFileDocument.Parse("X=1\r\n  A=\"multi\nline\" \nY=2");

        document.Remove("A");

        Assert.Equal("X=1\r\nY=2", document.Text);
    }
}
