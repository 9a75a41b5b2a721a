using System.Text;
using Orchestrator.Ops.Core.Logs;

namespace Orchestrator.Ops.Core.Tests.Logs;

public sealed class LogLineParserTests
{
    [Theory]
    [InlineData("2026-11-27 22:40:01.123Z [ERROR] monitor ConnectionRefused probe routellm/blue failed", LogLevel.Error, "monitor", "ConnectionRefused probe routellm/blue failed")]
    [InlineData("2026-11-27 22:40:01.123Z [INFO] access 127.0.0.1 \"GET /x\" 200 1.2 wrapper=w slot=blue fallback=false", LogLevel.Info, "access", "127.0.0.1 \"GET /x\" 200 1.2 wrapper=w slot=blue fallback=false")]
    [InlineData("2026-11-27 22:40:01.123Z [WARN] security", LogLevel.Warn, "security", "")]
    [InlineData("2026-11-27 22:40:01.123 +01:00 [ERR] Something went wrong", LogLevel.Error, null, "Something went wrong")]
    [InlineData("2026-11-27T22:40:01Z ERROR: disk full", LogLevel.Error, null, "disk full")]
    [InlineData("[2026-11-27 22:40:01,5] [Warning] slow", LogLevel.Warn, null, "slow")]
    [InlineData("Nov 27 22:40:01 host app[123]: FATAL out of memory", LogLevel.Fatal, null, "out of memory")]
    [InlineData("ts=2026-11-27T22:40:01Z level=warn msg=x", LogLevel.Warn, null, "msg=x")]
    [InlineData("   at Foo.Bar() in /src/x.cs:line 3", LogLevel.Unknown, null, "at Foo.Bar() in /src/x.cs:line 3")]
    [InlineData("an error in lower case is not a level", LogLevel.Unknown, null, "an error in lower case is not a level")]
    [InlineData("\u0001\u0002garbage [ERRORS] nope", LogLevel.Unknown, null, "\u0001\u0002garbage [ERRORS] nope")]
    public void Heads_are_found_on_bytes(string text, LogLevel level, string? category, string message)
    {
        var line = Encoding.UTF8.GetBytes(text);
        LogLineParser.ParseHead(line, out var head);
        Assert.Equal(level, head.Level);
        Assert.Equal(category, head.CategoryStart < 0 ? null : Encoding.UTF8.GetString(line, head.CategoryStart, head.CategoryLength));
        Assert.Equal(message, Encoding.UTF8.GetString(line.AsSpan(head.MessageStart)));
    }

    [Theory]
    [InlineData("2026-11-27 22:40:01.123Z", "2026-11-27T22:40:01.1230000+00:00")]
    [InlineData("2026-11-27T22:40:01.1234567+02:00", "2026-11-27T20:40:01.1234567+00:00")]
    [InlineData("2026-11-27 22:40:01 -0130 rest", "2026-11-28T00:10:01.0000000+00:00")]
    [InlineData("2026-11-27 22:40:01", "2026-11-27T22:40:01.0000000+00:00")]
    [InlineData("2026-02-28 23:59:59,999", "2026-02-28T23:59:59.9990000+00:00")]
    public void Timestamps_are_read_as_utc(string text, string expected)
    {
        Assert.True(LogLineParser.TryParseTimestamp(Encoding.ASCII.GetBytes(text), out _, out var ticks));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), new DateTimeOffset(ticks, TimeSpan.Zero));
    }

    [Theory]
    [InlineData("2026-02-30 10:00:00")]
    [InlineData("2026-13-01 10:00:00")]
    [InlineData("2026-11-27 24:00:00")]
    [InlineData("2026-11-27 22:40")]
    [InlineData("20x6-11-27 22:40:01")]
    public void Impossible_timestamps_are_not_timestamps(string text) =>
        Assert.False(LogLineParser.TryParseTimestamp(Encoding.ASCII.GetBytes(text), out _, out _));

    [Theory]
    [InlineData("ConnectionRefused probe x", "ConnectionRefused")]
    [InlineData("Timeout: no answer", "Timeout")]
    [InlineData("System.TimeoutException boom", "System.TimeoutException")]
    [InlineData("ERROR shouting is not a type", "")]
    [InlineData("lowercase words are not", "")]
    [InlineData("Dotted. end", "")]
    public void Error_types_are_pascal_case_first_words(string message, string type) =>
        Assert.Equal(type, Encoding.UTF8.GetString(LogFields.ErrorType(Encoding.UTF8.GetBytes(message))));

    [Theory]
    [InlineData("probe routellm/blue Healthy attempts=1", "routellm")]
    [InlineData("AlertFiring Critical rule poml/green: P95 high", "poml")]
    [InlineData("127.0.0.1 \"GET /tools/x\" 200 1 wrapper=tools slot=blue", "tools")]
    [InlineData("Refused GET /api/x/blue from 1.2.3.4", "")]
    [InlineData("copy a/b to c/d", "")]
    public void Wrappers_come_from_wrapper_equals_or_a_configured_slot_pair(string message, string wrapper)
    {
        byte[][] slots = [Encoding.UTF8.GetBytes("blue"), Encoding.UTF8.GetBytes("green")];
        Assert.Equal(wrapper, Encoding.UTF8.GetString(LogFields.Wrapper(Encoding.UTF8.GetBytes(message), slots)));
    }

    [Fact]
    public void Access_fields_and_security_clients_are_read()
    {
        Assert.True(LogFields.TryAccess("::1 \"POST /routellm/v1/op\" 503 2000 wrapper=routellm slot=green fallback=true"u8, out var a));
        Assert.Equal(("::1", "POST", "/routellm/v1/op", 503, 2000.0, "routellm"),
            (Encoding.UTF8.GetString(a.Client), Encoding.UTF8.GetString(a.Method), Encoding.UTF8.GetString(a.Path), a.Status, a.DurationMs, Encoding.UTF8.GetString(a.Wrapper)));
        Assert.Equal("10.1.2.3", Encoding.UTF8.GetString(LogFields.FailedAuthClient("Failed authentication from 10.1.2.3 for GET /api: wrong API key (2 within the window)"u8)));
        Assert.Equal("::1", Encoding.UTF8.GetString(LogFields.RateLimitedClient("Refused GET /api/x from ::1: too many failed authentications; retry after 3 s"u8)));
    }

    [Fact]
    public void Compact_json_renders_its_template_and_keeps_properties()
    {
        Assert.True(ClefEvent.TryParse("""{"@t":"2026-11-27T22:40:01.5Z","@mt":"probe {Wrapper}/{Slot} took {Ms:0.0} ms {{literal}}","Wrapper":"poml","Slot":"blue","Ms":12.25,"@@odd":1}"""u8, out var e));
        Assert.Equal("probe poml/blue took 12.3 ms {literal}", e.Message);
        Assert.Equal(LogLevel.Info, e.Level);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 22, 40, 1, 500, TimeSpan.Zero).UtcTicks, e.Ticks);
        Assert.Equal(1L, e.Properties["@odd"]);
        Assert.False(ClefEvent.TryParse("{\"@t\": broken"u8, out _));
    }
}
