using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// How many backups retention keeps (restic-like): the newest <see cref="KeepLast"/>, and the newest of each of the last
/// <see cref="KeepDaily"/> days, <see cref="KeepWeekly"/> ISO weeks and <see cref="KeepMonthly"/> months that have
/// backups. <see cref="BackupRetention.Plan"/> applies it.
/// </summary>
public sealed record RetentionPolicy(int KeepLast, int KeepDaily, int KeepWeekly, int KeepMonthly)
{
    /// <summary>True when every count is 0: such a policy would remove every backup, and Remove-Backup refuses it.</summary>
    public bool KeepsNothing => KeepLast + KeepDaily + KeepWeekly + KeepMonthly == 0;

    /// <summary>The configured policy (backups.keepLast, keepDaily, keepWeekly, keepMonthly).</summary>
    public static RetentionPolicy From(BackupSettings settings) =>
        new(settings.KeepLast, settings.KeepDaily, settings.KeepWeekly, settings.KeepMonthly);

    /// <summary>
    /// The policy a caller's counts ask for: the configured one when none is given; otherwise exactly the counts given,
    /// the ones not given being 0 (so -KeepLast 1 keeps one backup, not one plus the configured seven days).
    /// </summary>
    public static RetentionPolicy Resolve(BackupSettings configured, int? keepLast, int? keepDaily, int? keepWeekly, int? keepMonthly) =>
        keepLast is null && keepDaily is null && keepWeekly is null && keepMonthly is null
            ? From(configured)
            : new(keepLast ?? 0, keepDaily ?? 0, keepWeekly ?? 0, keepMonthly ?? 0);
}
