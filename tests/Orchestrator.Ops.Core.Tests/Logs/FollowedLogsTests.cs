using System.Text;
using Orchestrator.Ops.Core.Logs;

namespace Orchestrator.Ops.Core.Tests.Logs;

public sealed class FollowedLogsTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("first\nsecond\n", 13)]
    [InlineData("first\nsecond\nhalf a li", 13)]
    [InlineData("first\r\nsecond", 7)]
    [InlineData("no line break at all", 0)]
    [InlineData("", 0)]
    public void The_complete_length_ends_after_the_last_line_break(string content, long expected)
    {
        var path = _dir.Write("a.log", content);

        Assert.Equal(expected, FollowedLogs.CompleteLength(path));
    }

    [Fact]
    public void The_last_line_break_is_found_behind_a_partial_line_longer_than_one_read()
    {
        var path = _dir.File("long.log");
        File.WriteAllText(path, "one\ntwo\n" + new string('x', 200_000), new UTF8Encoding(false));

        Assert.Equal(8, FollowedLogs.CompleteLength(path));
    }

    [Fact]
    public void A_missing_file_has_no_complete_length()
    {
        Assert.Equal(0, FollowedLogs.CompleteLength(_dir.File("missing.log")));
    }

    [Fact]
    public void The_first_read_of_a_followed_file_stops_where_its_complete_lines_ended_when_following_began()
    {
        var current = _dir.Write("application.log", "one\ntwo\nthr");
        var followed = new FollowedLogs([new LogTarget("application", current, [current], IsName: true)]);
        File.AppendAllText(current, "ee\nfour\n");

        Assert.Equal(8, followed.Limit(current, new FileInfo(current).Length));
        Assert.Equal(5, followed.Limit(current, 5));
        Assert.Equal(1234, followed.Limit(_dir.File("application.log.1"), 1234));
    }
}
