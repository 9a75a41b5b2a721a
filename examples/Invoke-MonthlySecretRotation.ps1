#Requires -Version 7.4

<#
.SYNOPSIS
    The runbook's monthly secret rotation for a scheduler: Update-Secret -All -OlderThan 30d -Confirm:$false, one
    line per secret that was due, a summary line, and an exit code a scheduler can act on.

.DESCRIPTION
    Opens the vault first (Get-ManagedSecret), so a missing or wrong key stops the script at once with exit 3, before
    anything changes. Then rotates every generated secret whose current value is older than -OlderThan (each one:
    new value beside the old on every target, verified with its consumers, made current; a failure puts the old
    value back), and lists the secrets whose value comes from outside (source external) that are due: those need a
    person with the new value (Update-Secret -Name <name> -Value ...).

    The vault key never comes from a prompt. It is read, in this order, from $env:ORCHESTRATOR_OPS_VAULT_KEY (the
    base64 of 32 bytes; under systemd put it in an EnvironmentFile= readable by root only, mode 0600) or from the key
    file the configuration names (secrets.keyFile, default <opsRoot>/secrets/vault.key, mode 0600). A vault locked
    with a passphrase cannot be rotated by this script: the passphrase would have to be typed. pwsh runs with
    -NonInteractive, so the module never asks; without a key the script ends at once with the error naming
    ORCHESTRATOR_OPS_VAULT_KEY.

    Standard output gets one line per secret that was due, then the summary:

        routellm-token Rotated v1 -> v2
        provider-key Due - it is 31 days old (limit 30); its value must come from its issuer
        SecretRotation Due: 3 rotated, 0 created, 1 due, 0 failed (due: provider-key); exit 1

    Errors (a reverted rotation's reason, a missing key) go to standard error.

    Exit codes:
        0  every secret that was due was rotated (or created: a secret that had no value yet), or nothing was due
        1  nothing failed, but a secret whose value comes from outside is due: a person must supply it
        2  a rotation failed or was reverted (the old value is back on its targets; the reason is on standard error),
           or the run stopped part-way after rotating some secrets (those are listed; the rest were not tried)
        3  the script could not run: the module is not installed, no or an invalid configuration, no vault key or the
           wrong one, an unknown argument, or any other error; nothing was rotated

.PARAMETER ConfigPath
    The ops configuration. When omitted, $env:ORCHESTRATOR_OPS_CONFIG.

.PARAMETER OlderThan
    A secret is due when its current value is older than this: 30d (the runbook's month), 12h, 90m. Default 30d.

.PARAMETER GracePeriod
    How long each previous value stays valid after its rotation (24h, 7d). Default: the configuration's
    (secrets.gracePeriodHours, 24 h).

.EXAMPLE
    ORCHESTRATOR_OPS_VAULT_KEY=... pwsh -NoProfile -NonInteractive -File ./Invoke-MonthlySecretRotation.ps1 -ConfigPath /etc/orchestrator-ops/ops.json

.EXAMPLE
    pwsh -NoProfile -NonInteractive -File ./Invoke-MonthlySecretRotation.ps1 -OlderThan 7d -GracePeriod 2h

    Rotates what is older than a week, keeping the old values valid for two hours.

.OUTPUTS
    System.String: one line per secret that was due, then the summary line.
#>
[CmdletBinding()]
param(
    [string] $ConfigPath,

    [string] $OlderThan = '30d',

    [string] $GracePeriod,

    # Collected so that a typo ends with exit 3 ("could not run"), not pwsh's binding failure (exit 1).
    [Parameter(ValueFromRemainingArguments = $true, DontShow = $true)]
    [string[]] $UnknownArgument
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ConfirmPreference = 'None'

function Write-StdErr([string] $Message) { [Console]::Error.WriteLine($Message) }

$results = [System.Collections.Generic.List[object]]::new()
$rotationErrors = @()
$rotating = $false
$stoppedBy = $null
try {
    if ($UnknownArgument) {
        throw "unknown argument(s): $($UnknownArgument -join ' '). Parameters: -ConfigPath, -OlderThan, -GracePeriod."
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

    # Reading the metadata opens the vault: no key, a wrong key or a damaged vault ends here, before any change.
    $null = @(Get-ManagedSecret @common)

    $rotation = @{ All = $true; OlderThan = $OlderThan; Confirm = $false }
    if ($GracePeriod) { $rotation.GracePeriod = $GracePeriod }
    # One secret's failure is a non-terminating error: collect it and let the others rotate. Results are kept as
    # they come, so a terminating error part-way (the state store locked, say) still reports what was rotated.
    $rotating = $true
    Update-Secret @rotation @common -ErrorAction SilentlyContinue -ErrorVariable rotationErrors | ForEach-Object { $results.Add($_) }
    $rotating = $false
}
catch {
    if (-not $rotating -or $results.Count -eq 0) {
        Write-StdErr "Invoke-MonthlySecretRotation: could not run: $($_.Exception.Message)"
        exit 3
    }
    # Some secrets were rotated before the error: report them, and the error as a failure (exit 2).
    $stoppedBy = $_
}

foreach ($w in $moduleWarnings) {
    # The module warns about every external secret that is due; its line below says the same.
    if ("$w" -notmatch 'is due, but its value comes from outside') { Write-StdErr "warning: $w" }
}

$counts = [ordered]@{ rotated = 0; created = 0; due = 0; failed = 0 }
$due = [System.Collections.Generic.List[string]]::new()
$failed = [System.Collections.Generic.List[string]]::new()
foreach ($r in $results) {
    switch ($r.Outcome) {
        'Rotated' { $counts.rotated++; Write-Output "$($r.Name) Rotated v$($r.FromVersion) -> v$($r.ToVersion)" }
        'Created' { $counts.created++; Write-Output "$($r.Name) Created v$($r.ToVersion)" }
        'Due' { $counts.due++; $due.Add($r.Name); Write-Output "$($r.Name) Due - $($r.Reason)" }
        default { $counts.failed++; $failed.Add($r.Name); Write-Output "$($r.Name) $($r.Outcome) - $($r.Reason)" }
    }
}

# Errors with a result (SecretReverted, SecretFailed) repeat the result's reason; the others (a target that could
# not be written, a rotation already under way) have no result and count as failures of their own.
foreach ($e in $rotationErrors) {
    Write-StdErr "Invoke-MonthlySecretRotation: $($e.Exception.Message)"
    $target = "$($e.TargetObject)"
    if ($e.FullyQualifiedErrorId -notlike 'Secret*,*' -or -not ($results | Where-Object Name -EQ $target)) {
        $counts.failed++
        if ($target -and -not $failed.Contains($target)) { $failed.Add($target) }
    }
}

if ($stoppedBy) {
    Write-StdErr "Invoke-MonthlySecretRotation: stopped after $($results.Count) secret(s): $($stoppedBy.Exception.Message)"
    $counts.failed++
    $failed.Add('(the rest)')
}

$exitCode, $verdict = if ($counts.failed -gt 0) { 2, 'Failed' }
elseif ($counts.due -gt 0) { 1, 'Due' }
else { 0, 'OK' }
$summary = "SecretRotation ${verdict}: " + (($counts.Keys | ForEach-Object { "$($counts[$_]) $_" }) -join ', ')
$attention = @(
    if ($failed.Count) { "failed: $($failed -join ', ')" }
    if ($due.Count) { "due: $($due -join ', ')" }
)
if ($attention) { $summary += " ($($attention -join '; '))" }
Write-Output "$summary; exit $exitCode"
exit $exitCode
