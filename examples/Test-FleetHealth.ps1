#Requires -Version 7.4

<#
.SYNOPSIS
    A health check for cron or a monitoring agent: probes every wrapper in every slot now (Get-WrapperHealth -Live),
    prints one line per wrapper and a summary line, and exits 0 healthy, 1 degraded, 2 critical, 3 could not run.

.DESCRIPTION
    Probes every wrapper of the configuration in every slot, then reads the system health of the active slot
    (Get-SystemHealth, which reuses the probes just made). Standard output gets one line per wrapper and slot, then
    one summary line:

        routellm/blue active Healthy score 100 success 100 % P95 12.1 ms samples 6
        poml/blue active Critical score 0 success 80 % P95 112.2 ms samples 5 - last probe failed: connection refused ...
        ...
        FleetHealth Critical: system Unhealthy (score 66.7) in slot blue; 5 of 6 instances healthy; critical: poml/blue; exit 2

    The module's statuses, best to worst, are Healthy, Degraded (a threshold breached, score still fine), Unhealthy
    (score below healthWarningPercent, 80), Critical (below healthCriticalPercent, 50), and Unknown (fewer than
    healthChecks.minimumSamples probes in the window, no score). The exit code reads them so:

        2  Critical: the system status is Critical or Unhealthy, or a wrapper of the active slot (the one taking
           traffic) is Critical or Unhealthy, or its newest probe failed. Unhealthy counts here too: a wrapper that
           stops answering loses 30 points per failed probe and is at best Unhealthy, and users see its errors now.
        1  Degraded: nothing critical, but something is not Healthy - the system or an active wrapper is Degraded or
           Unknown (too few samples to tell: a new install, or probes that stopped being recorded), or a wrapper of
           the standby slot is anything but Healthy (it takes no traffic, but it is where a switch or rollback goes).
        0  Healthy: the system and every wrapper in every slot are Healthy.
        3  The check could not run: the module is not installed, no or an invalid configuration, the state store
           locked, an unknown argument, or any other error (on standard error).

    Probes have per-attempt timeouts (healthChecks.timeoutSeconds, retries), so a hanging wrapper makes the check
    slower, never endless: with the defaults one probe takes at most about 4 x 10 s plus backoff. Nothing prompts.

    The wrappers' tokens are read from the vault, so the vault key must be at hand ($env:ORCHESTRATOR_OPS_VAULT_KEY
    or the configured key file); without it the probes go out without tokens and wrappers that require one answer
    401, which reads as Critical. The module says why in a warning, which this script writes to standard error
    ("warning: Wrapper tokens are unavailable, so wrappers that require one will answer 401: ..."), and in
    <opsRoot>/logs/application.log.

.PARAMETER ConfigPath
    The ops configuration. When omitted, $env:ORCHESTRATOR_OPS_CONFIG.

.EXAMPLE
    */5 * * * * orchestrator-ops timeout 5m pwsh -NoProfile -NonInteractive -File /opt/orchestrator-ops/examples/Test-FleetHealth.ps1 -ConfigPath /etc/orchestrator-ops/ops.json >> /var/log/orchestrator-ops/fleet-health.log 2>&1

    An /etc/cron.d line: every five minutes, bounded by timeout(1) as a second guard, output appended to a log.

.EXAMPLE
    pwsh -NoProfile -NonInteractive -File ./Test-FleetHealth.ps1; if [ $? -ge 2 ]; then page-someone; fi

.OUTPUTS
    System.String: one line per wrapper and slot, then the summary line.
#>
[CmdletBinding()]
param(
    [string] $ConfigPath,

    # Collected so that a typo ends with exit 3 ("could not run"), not pwsh's binding failure (exit 1, "degraded").
    [Parameter(ValueFromRemainingArguments = $true, DontShow = $true)]
    [string[]] $UnknownArgument
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ConfirmPreference = 'None'

function Write-StdErr([string] $Message) { [Console]::Error.WriteLine($Message) }

function Format-Number($Value, [string] $Unit = '') {
    if ($null -eq $Value) { return '-' }
    ([double] $Value).ToString('0.#', [cultureinfo]::InvariantCulture) + $Unit
}

try {
    if ($UnknownArgument) {
        throw "unknown argument(s): $($UnknownArgument -join ' '). Parameter: -ConfigPath."
    }

    try {
        Import-Module Orchestrator.Ops -ErrorAction Stop
    }
    catch {
        throw "the Orchestrator.Ops module could not be imported ($($_.Exception.Message)). Install it (Install-PSResource Orchestrator.Ops, or unpack Orchestrator.Ops.zip into a folder on PSModulePath)."
    }

    $common = @{ WarningAction = 'SilentlyContinue'; WarningVariable = '+moduleWarnings' }
    if ($ConfigPath) { $common.ConfigPath = $ConfigPath }
    $moduleWarnings = [System.Collections.ArrayList]::new()
    $wrappers = @(Get-WrapperHealth -Live @common)
    $system = Get-SystemHealth @common
    foreach ($w in $moduleWarnings) { Write-StdErr "warning: $w" }
    if ($wrappers.Count -eq 0) {
        throw 'Get-WrapperHealth returned no wrapper: the configuration names none.'
    }
}
catch {
    Write-StdErr "Test-FleetHealth: could not run: $($_.Exception.Message)"
    exit 3
}

# Statuses are enums from the module's private load context: compare their names, as strings.
$critical = [System.Collections.Generic.List[string]]::new()
$degraded = [System.Collections.Generic.List[string]]::new()
foreach ($w in $wrappers) {
    $id = "$($w.Name)/$($w.Slot)"
    $status = "$($w.Status)"
    $line = "$id $(if ($w.Active) { 'active' } else { 'standby' }) $status score $(Format-Number $w.HealthScore) success $(Format-Number $w.SuccessRate ' %') P95 $(Format-Number $w.P95Ms ' ms') samples $($w.TotalOperations)"
    if ($status -ne 'Healthy') { $line += " - $($w.Message)" }
    Write-Output $line

    $failing = $w.ConsecutiveProbeFailures -gt 0
    if ($w.Active -and ($failing -or $status -in 'Critical', 'Unhealthy')) { $critical.Add($id) }
    elseif ($failing -or $status -ne 'Healthy') { $degraded.Add($id) }
}

$systemStatus = "$($system.SystemStatus)"
$exitCode = if ($critical.Count -gt 0 -or $systemStatus -in 'Critical', 'Unhealthy') { 2 }
elseif ($degraded.Count -gt 0 -or $systemStatus -ne 'Healthy') { 1 }
else { 0 }
$verdict = ('Healthy', 'Degraded', 'Critical')[$exitCode]

$healthy = @($wrappers | Where-Object { "$($_.Status)" -eq 'Healthy' -and $_.ConsecutiveProbeFailures -eq 0 }).Count
$summary = "FleetHealth ${verdict}: system $systemStatus (score $(Format-Number $system.OverallHealthScore)) in slot $($system.ActiveSlot); $healthy of $($wrappers.Count) instances healthy"
if ($critical.Count) { $summary += "; critical: $($critical -join ', ')" }
if ($degraded.Count) { $summary += "; needs attention: $($degraded -join ', ')" }
Write-Output "$summary; exit $exitCode"
exit $exitCode
