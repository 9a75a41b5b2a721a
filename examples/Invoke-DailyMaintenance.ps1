#Requires -Version 7.4

<#
.SYNOPSIS
    The runbook's daily checklist for a scheduler (systemd timer, cron): runs Invoke-OpsRunbook DailyMaintenance,
    writes the dated Markdown report, prints one summary line and exits with the worst status as its code.

.DESCRIPTION
    Runs the four daily items (health dashboard, error logs of the last day, backup completed and verified, disk
    space) with Invoke-OpsRunbook and writes the report to <ReportDirectory>/daily-maintenance-yyyy-MM-dd.md (the
    local date of the run). Nothing prompts: the script runs with -Confirm:$false, reads no input, and the vault key
    the probes need for the wrappers' tokens comes from $env:ORCHESTRATOR_OPS_VAULT_KEY or the configured key file
    (without either, wrappers that require a token answer 401 and the health dashboard fails; the module's warning
    that says why goes to standard error, and to <opsRoot>/logs/application.log).

    Standard output gets exactly one line, for example:

        DailyMaintenance Warn: 3 pass, 1 warn, 0 fail, 0 skipped (warn: Error logs of the last day); report /var/lib/orchestrator-ops/reports/daily-maintenance-2026-11-27.md; exit 1

    Standard error gets what went wrong when the script could not run, and the module's warnings. The report holds
    every item's detail and evidence.

    A report for the same day is not replaced unless -Force is given: a second run on the same day stops before
    running anything (exit 3) and says so, as Invoke-OpsRunbook does (ReportExists). A scheduled run happens once a
    day; a person re-running it by hand adds -Force.

    Exit codes:
        0  every item passed
        1  the worst item is Warn, or an item was Skipped (not checked, so not claimed as a pass)
        2  at least one item failed
        3  the script could not run: the module is not installed, no or an invalid configuration, the day's report
           exists without -Force, the report could not be written, an unknown argument, or any other error

    pwsh itself exits 64 when its own command line is wrong (for example a -File path that does not exist).

.PARAMETER ConfigPath
    The ops configuration. When omitted, the module's usual resolution: $env:ORCHESTRATOR_OPS_CONFIG (there is no
    session default in a fresh pwsh).

.PARAMETER ReportDirectory
    The folder for the reports; created when missing. Default: ./reports under the current directory.

.PARAMETER Force
    Replace the day's report when it exists.

.EXAMPLE
    pwsh -NoProfile -NonInteractive -File ./Invoke-DailyMaintenance.ps1 -ConfigPath /etc/orchestrator-ops/ops.json -ReportDirectory /var/lib/orchestrator-ops/reports

    The way the systemd unit runs it; $? in the shell afterwards is 0, 1, 2 or 3.

.EXAMPLE
    ORCHESTRATOR_OPS_CONFIG=/etc/orchestrator-ops/ops.json pwsh -NoProfile -NonInteractive -File ./Invoke-DailyMaintenance.ps1 -ReportDirectory ./reports -Force

    A second run on the same day, replacing the morning's report.

.OUTPUTS
    System.String: the one summary line.

.LINK
    Invoke-OpsRunbook
#>
[CmdletBinding()]
param(
    [string] $ConfigPath,

    [string] $ReportDirectory = 'reports',

    [switch] $Force,

    # Anything else on the command line. Collected so that a typo in a unit file ends with exit 3 ("could not run")
    # rather than pwsh's parameter-binding failure, whose exit code 1 would read as "warn".
    [Parameter(ValueFromRemainingArguments = $true, DontShow = $true)]
    [string[]] $UnknownArgument
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ConfirmPreference = 'None'

$CouldNotRun = 3

function Write-StdErr([string] $Message) { [Console]::Error.WriteLine($Message) }

try {
    if ($UnknownArgument) {
        throw "unknown argument(s): $($UnknownArgument -join ' '). Parameters: -ConfigPath, -ReportDirectory, -Force."
    }

    try {
        Import-Module Orchestrator.Ops -ErrorAction Stop
    }
    catch {
        throw "the Orchestrator.Ops module could not be imported ($($_.Exception.Message)). Install it (Install-PSResource Orchestrator.Ops, or unpack Orchestrator.Ops.zip into a folder on PSModulePath)."
    }

    $directory = [IO.Path]::GetFullPath($ReportDirectory, (Get-Location -PSProvider FileSystem).ProviderPath)
    $report = Join-Path $directory ('daily-maintenance-{0}.md' -f (Get-Date).ToString('yyyy-MM-dd', [cultureinfo]::InvariantCulture))

    $runbook = @{
        Name            = 'DailyMaintenance'
        Report          = $report
        Force           = $Force
        Confirm         = $false
        WarningAction   = 'SilentlyContinue'
        WarningVariable = 'moduleWarnings'
    }
    if ($ConfigPath) { $runbook.ConfigPath = $ConfigPath }
    $checks = @(Invoke-OpsRunbook @runbook)
    foreach ($w in $moduleWarnings) { Write-StdErr "warning: $w" }
    if ($checks.Count -eq 0) {
        throw 'Invoke-OpsRunbook returned no check.'
    }
}
catch {
    $message = if ($_.FullyQualifiedErrorId -like 'ReportExists,*') {
        "today's report $report already exists; nothing was run. Run again with -Force to replace it."
    }
    else { $_.Exception.Message }
    Write-StdErr "Invoke-DailyMaintenance: could not run: $message"
    exit $CouldNotRun
}

# Status is an enum from the module's private load context: compare its name, as a string.
$byStatus = [ordered]@{ Pass = @(); Warn = @(); Fail = @(); Skipped = @() }
foreach ($check in $checks) { $byStatus["$($check.Status)"] += $check.Item }

$exitCode, $worst = if ($byStatus.Fail) { 2, 'Fail' }
elseif ($byStatus.Warn) { 1, 'Warn' }
elseif ($byStatus.Skipped) { 1, 'Skipped' }
else { 0, 'Pass' }

$counts = ($byStatus.Keys | ForEach-Object { "$($byStatus[$_].Count) $($_.ToLowerInvariant())" }) -join ', '
$attention = @(foreach ($status in 'Fail', 'Warn', 'Skipped') {
        if ($byStatus[$status]) { "$($status.ToLowerInvariant()): $($byStatus[$status] -join ', ')" }
    })
$why = if ($attention) { " ($($attention -join '; '))" } else { '' }
Write-Output "DailyMaintenance ${worst}: $counts$why; report $report; exit $exitCode"
exit $exitCode
