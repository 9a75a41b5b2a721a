namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// How many backups retention keeps (restic-like): the newest <see cref="KeepLast"/>, and the newest of each of the last
/// <see cref="KeepDaily"/> days, <see cref="KeepWeekly"/> ISO weeks and <see cref="KeepMonthly"/> months that have
/// backups. <see cref="BackupRetention.Plan"/> applies it.
/// </summary>
public sealed record RetentionPolicy(int KeepLast, int KeepDaily, int KeepWeekly, int KeepMonthly);
