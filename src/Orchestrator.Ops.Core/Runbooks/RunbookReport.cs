using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>
/// The Markdown report of a run: the procedure, when, by whom, on which configuration, a summary table, then every item
/// with its detail and its evidence as a table. An investigation's report is headed as an incident report, a
/// checklist's as a maintenance report. Written atomically: a reader sees no file or the whole report.
/// </summary>
public static partial class RunbookReport
{
    public static string ToMarkdown(RunbookRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var sb = new StringBuilder();
        var kind = run.Procedure is RunbookName.DailyMaintenance or RunbookName.WeeklyMaintenance or RunbookName.MonthlyMaintenance
            ? "Maintenance report" : "Incident report";
        sb.Append("# ").Append(kind).Append(": ").Append(Title(run.Procedure)).Append("\n\n");
        sb.Append("| | |\n|---|---|\n");
        Row(sb, "Procedure", $"{run.Procedure} (runbook {RunbookService.SectionOf(run.Procedure)})");
        Row(sb, "Outcome", $"**{run.Outcome}**: {Counts(run)}");
        Row(sb, "Started", Fmt.Time(run.StartedAt));
        Row(sb, "Ended", $"{Fmt.Time(run.EndedAt)} ({Fmt.Span(run.EndedAt - run.StartedAt)})");
        Row(sb, "Looked back to", $"{Fmt.Time(run.Since)} ({Fmt.Span(run.StartedAt - run.Since)})");
        Row(sb, "Run by", run.RunBy);
        Row(sb, "Host", run.Host);
        Row(sb, "Configuration", run.ConfigPath);
        sb.Append('\n');

        sb.Append("## Summary\n\n| # | Item | Status | Detail |\n|---:|---|---|---|\n");
        foreach (var c in run.Checks)
        {
            sb.Append("| ").Append(c.Order.ToString(CultureInfo.InvariantCulture)).Append(" | ").Append(Cell(c.Item)).Append(" | ")
              .Append(c.Status).Append(" | ").Append(Cell(FirstSentence(c.Detail))).Append(" |\n");
        }

        if (run.Checks.Count == 0)
        {
            sb.Append("| - | (no item ran) | - | - |\n");
        }

        foreach (var c in run.Checks)
        {
            sb.Append("\n## ").Append(c.Order.ToString(CultureInfo.InvariantCulture)).Append(". ").Append(Text(c.Item)).Append(": ").Append(c.Status).Append("\n\n");
            sb.Append("Runbook ").Append(Text(c.Section)).Append("; checked ").Append(Fmt.Time(c.CheckedAt)).Append(" in ").Append(Fmt.Span(c.Duration)).Append(".\n\n");
            sb.Append(Text(c.Detail)).Append("\n\n");
            if (c.Evidence.Count == 0)
            {
                sb.Append("No evidence rows.\n");
                continue;
            }

            sb.Append("| Subject | Measure | Value | Target | Status | Note |\n|---|---|---|---|---|---|\n");
            foreach (var e in c.Evidence)
            {
                sb.Append("| ").Append(Cell(e.Subject)).Append(" | ").Append(Cell(e.Measure)).Append(" | ").Append(Cell(Value(e.Value)))
                  .Append(" | ").Append(Cell(e.Target ?? string.Empty)).Append(" | ").Append(e.Status?.ToString() ?? string.Empty)
                  .Append(" | ").Append(Cell(e.Note ?? string.Empty)).Append(" |\n");
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Writes the report to <paramref name="path"/> atomically (a temporary file beside it, flushed, then renamed).
    /// An existing file is replaced only when <paramref name="overwrite"/>; otherwise an <see cref="IOException"/> says so
    /// and nothing is written.
    /// </summary>
    public static void Write(string path, RunbookRun run, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full))
        {
            throw new IOException($"The report '{full}' already exists; nothing was written.");
        }

        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(ToMarkdown(run));
        AtomicFile.Write(full, mode: null, stream => stream.Write(bytes), overwrite);
    }

    /// <summary>"CriticalOutageTriage" → "Critical outage triage".</summary>
    public static string Title(RunbookName name)
    {
        var words = Words().Split(name.ToString()).Where(w => w.Length > 0).ToList();
        return string.Join(' ', words.Select((w, i) => i == 0 ? w : w.ToLowerInvariant()));
    }

    private static string Counts(RunbookRun run) =>
        string.Join(", ", new[] { RunbookStatus.Pass, RunbookStatus.Warn, RunbookStatus.Fail, RunbookStatus.Skipped }
            .Select(s => $"{run.Checks.Count(c => c.Status == s)} {s.ToString().ToLowerInvariant()}"));

    private static void Row(StringBuilder sb, string name, string value) =>
        sb.Append("| ").Append(name).Append(" | ").Append(Cell(value)).Append(" |\n");

    private static string FirstSentence(string text)
    {
        var end = text.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? text : text[..(end + 1)];
    }

    private static string Value(object? value) => value switch
    {
        null => "-",
        double d => Fmt.N(d, 2),
        float f => Fmt.N(f, 2),
        DateTimeOffset t => Fmt.Time(t),
        TimeSpan s => Fmt.Span(s),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "-",
    };

    /// <summary>Text outside tables: one paragraph, with what Markdown would take for HTML escaped.</summary>
    private static string Text(string s) => Tag().Replace(s.ReplaceLineEndings(" "), "\\<");

    /// <summary>A table cell: one line, pipes escaped.</summary>
    private static string Cell(string s) => Text(s).Replace("|", "\\|", StringComparison.Ordinal);

    [GeneratedRegex("<(?=[A-Za-z/!?])")]
    private static partial Regex Tag();

    [GeneratedRegex("(?<=[a-z])(?=[A-Z])")]
    private static partial Regex Words();
}
