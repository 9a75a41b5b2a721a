using System.Globalization;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// Retention as a pure function: which backups a <see cref="RetentionPolicy"/> keeps and which it removes, and why. It
/// reads no files and no clock, so what it decides depends only on the backups' ids and creation times.
/// </summary>
public static class BackupRetention
{
    /// <summary>
    /// Decides every backup, newest first (ties by id, descending ordinal): kept when the policy keeps it for at least
    /// one reason ("kept: last, daily, ..." in that order), else removed ("not kept by the policy").
    /// <list type="bullet">
    /// <item>last: the newest <see cref="RetentionPolicy.KeepLast"/> backups.</item>
    /// <item>daily, weekly, monthly: walking from the newest backup back, the first (newest) backup of each UTC day, ISO
    /// week (ISO week-numbering year) and calendar month, for as many periods as the count says. Only periods that
    /// have backups count, and they are counted back from the newest backup, not from now: a gap of idle days keeps
    /// older backups instead, and a root whose backups stopped months ago keeps as many as one with today's.</item>
    /// </list>
    /// Tags are not looked at (a safety backup is kept or removed like any other). Any policy that keeps something
    /// keeps the newest backup.
    /// </summary>
    public static IReadOnlyList<RetentionDecision> Plan(IEnumerable<Backup> backups, RetentionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(backups);
        ArgumentNullException.ThrowIfNull(policy);
        var all = backups.OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.Id, StringComparer.Ordinal).ToList();
        var reasons = all.ToDictionary(b => b.Id, _ => new List<string>());
        foreach (var b in all.Take(policy.KeepLast))
        {
            reasons[b.Id].Add("last");
        }

        void Bucket(int keep, Func<DateTimeOffset, string> period, string name)
        {
            var seen = new HashSet<string>();
            foreach (var b in all)
            {
                if (seen.Count >= keep)
                {
                    break;
                }

                if (seen.Add(period(b.CreatedAt.ToUniversalTime())))
                {
                    reasons[b.Id].Add(name);
                }
            }
        }

        Bucket(policy.KeepDaily, t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "daily");
        Bucket(policy.KeepWeekly, t => $"{ISOWeek.GetYear(t.UtcDateTime)}-W{ISOWeek.GetWeekOfYear(t.UtcDateTime)}", "weekly");
        Bucket(policy.KeepMonthly, t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture), "monthly");
        return all.Select(b => new RetentionDecision(b.Id, b.CreatedAt, reasons[b.Id].Count > 0,
            reasons[b.Id].Count > 0 ? "kept: " + string.Join(", ", reasons[b.Id]) : "not kept by the policy")).ToList();
    }
}
