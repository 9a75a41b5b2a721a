using System.Management.Automation;
using Orchestrator.Ops.Core.Logs;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Commands;

/// <summary>
/// Streams the entries of the ops logs (or of log files) that match: by level, pattern, wrapper and time; the last N;
/// or following the log as it grows. Lines are matched on their bytes and only kept ones become objects.
/// </summary>
[Cmdlet(VerbsCommon.Search, "OpsLog", DefaultParameterSetName = EntriesSet)]
[OutputType(typeof(LogEntry), ParameterSetName = [EntriesSet])]
[OutputType(typeof(string), ParameterSetName = [RawSet])]
public sealed class SearchOpsLogCommand : OpsLogCmdlet
{
    private const string EntriesSet = "Entries";
    private const string RawSet = "Raw";

    /// <summary>The levels to keep (one or more of Trace, Debug, Info, Warn, Error, Fatal; Warning, Information and Critical are understood).</summary>
    [Parameter]
    [LogLevelName]
    [ValidateNotNullOrEmpty]
    public LogLevel[]? Level { get; set; }

    /// <summary>Keep entries at this level or above (lines without a level are dropped).</summary>
    [Parameter]
    [LogLevelName]
    public LogLevel? MinimumLevel { get; set; }

    /// <summary>A regular expression the line must match, case-insensitive unless -CaseSensitive. Plain text is searched for on the raw bytes.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Pattern { get; set; }

    /// <summary>Match -Pattern case-sensitively, like grep.</summary>
    [Parameter]
    public SwitchParameter CaseSensitive { get; set; }

    /// <summary>The last N matching entries of each log (read from the end). With -Wait, 10 when neither -Tail nor -Since is given.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Tail { get; set; }

    /// <summary>After what is there, keep following the log as it grows, rotation included, until Ctrl+C.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Write the matching lines as strings, as they are in the file.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RawSet)]
    public SwitchParameter Raw { get; set; }

    protected override void ProcessRecord()
    {
        var service = OpenLogs();
        var request = new LogSearchRequest
        {
            Logs = ResolveLogs(),
            Levels = Level,
            MinimumLevel = MinimumLevel,
            Pattern = Pattern,
            CaseSensitive = CaseSensitive,
            Wrapper = Wrapper,
            Since = Since,
            Until = Until,
            Tail = Tail,
            Follow = Wait,
            Raw = Raw,
        };
        if (Raw)
        {
            RunStreaming((reporter, ct) => service.SearchRawAsync(request, reporter, ct), line => WriteObject(line), Errors);
        }
        else
        {
            RunStreaming((reporter, ct) => service.SearchAsync(request, reporter, ct), entry => WriteObject(entry), Errors);
        }
    }
}
