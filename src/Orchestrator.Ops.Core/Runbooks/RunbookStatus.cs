namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>How one runbook item came out, best to worst; Skipped when it could not be checked (the reason is in the detail).</summary>
public enum RunbookStatus
{
    /// <summary>Checked, and within its targets.</summary>
    Pass,

    /// <summary>Checked; something needs a person's attention.</summary>
    Warn,

    /// <summary>Checked and failed, or the check itself could not run.</summary>
    Fail,

    /// <summary>Not checked: the capability it needs is not available here. Never counts as a pass.</summary>
    Skipped,
}
