#Requires -Version 7.4

<#
.SYNOPSIS
    An Azure Automation runbook (PowerShell 7.4 runtime) for a Linux Hybrid Runbook Worker: the runbook's daily
    checklist with Orchestrator.Ops, its results written with Write-Output, and the job Failed when an item fails.

.DESCRIPTION
    Runs Invoke-OpsRunbook DailyMaintenance on the worker and writes one output line per item plus a summary line.
    A Warn or Skipped item is also written as a warning (the job completes, with warnings); a Fail throws, so the
    job's status is Failed and an alert on failed jobs fires. A job that cannot start the check at all (module not
    installed, no configuration, an invalid one) throws as well, with the reason.

    Where it runs: a Linux Hybrid Runbook Worker, on or next to the fleet's ops host. Azure Automation's cloud
    sandboxes run Windows, which Orchestrator.Ops does not support or test, and cannot reach the fleet's loopback or
    private addresses, so the runbook refuses to run anywhere but Linux. Start it with "Run on: Hybrid Worker" and
    the group of that machine.

    The module: install it on the worker machine where the worker's job account finds it, for example by unpacking
    Orchestrator.Ops.zip (written by `./build.ps1 Package` under out/packages/; the module folder is at its root)
    into /usr/local/share/powershell/Modules/ (every user's module path on Linux). A hybrid job uses the modules of
    the machine it runs on; importing the zip into the Automation account (Modules, runtime 7.4) serves cloud jobs.

    Settings, each optional:
    - the configuration: -ConfigPath, else the Automation variable named by -ConfigPathVariable
      (OrchestratorOpsConfigPath), else $env:ORCHESTRATOR_OPS_CONFIG on the worker;
    - the vault key (the probes read the wrappers' tokens from the vault): the encrypted Automation variable named
      by -VaultKeyVariable (OrchestratorOpsVaultKey, the base64 of 32 bytes), else $env:ORCHESTRATOR_OPS_VAULT_KEY,
      else the key file the configuration names. The key is put in this job's environment for the module and
      removed when the job ends; it is never written out.
    Get-AutomationVariable exists only inside an Automation job. Where it does not (a test, a shell on the worker),
    the runbook reads the environment instead, so the same file runs both ways:
        pwsh -NoProfile -NonInteractive -File ./Invoke-OpsDailyCheck.ps1 -ConfigPath /etc/orchestrator-ops/ops.json

    Nothing prompts: -Confirm:$false, no Read-Host, the vault key from a variable or the environment.

.PARAMETER ConfigPath
    The ops configuration on the worker. Default: the Automation variable, else $env:ORCHESTRATOR_OPS_CONFIG.

.PARAMETER ReportDirectory
    When given, the Markdown report is written there as daily-maintenance-yyyy-MM-dd.md (replacing the day's report:
    a retried job should leave the newest). Default: no report file; the output holds the items.

.PARAMETER ConfigPathVariable
    The name of the Automation variable holding the configuration path.

.PARAMETER VaultKeyVariable
    The name of the encrypted Automation variable holding the vault key.

.EXAMPLE
    Start-AzAutomationRunbook -AutomationAccountName ops -ResourceGroupName ops-rg -Name Invoke-OpsDailyCheck -RunOn linux-ops-workers

    Starts the runbook on the Hybrid Worker group linux-ops-workers (from a machine with the Az.Automation module).

.EXAMPLE
    ORCHESTRATOR_OPS_CONFIG=/etc/orchestrator-ops/ops.json pwsh -NoProfile -NonInteractive -File ./Invoke-OpsDailyCheck.ps1

    The same check from a shell on the worker: no Automation variables, the environment instead; pwsh exits 1 when it
    throws.

.OUTPUTS
    System.String: one line per item, then the summary line.
#>
param(
    [string] $ConfigPath,

    [string] $ReportDirectory,

    [string] $ConfigPathVariable = 'OrchestratorOpsConfigPath',

    [string] $VaultKeyVariable = 'OrchestratorOpsVaultKey'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ConfirmPreference = 'None'

if (-not $IsLinux) {
    throw "Invoke-OpsDailyCheck runs on a Linux Hybrid Runbook Worker only; this job ran on $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription). Start it with 'Run on: Hybrid Worker' and the Linux worker group next to the fleet."
}

function Get-OptionalAutomationVariable([string] $Name) {
    # Inside an Automation job; a variable that does not exist is not an error here: the environment still counts.
    if (-not $Name -or -not (Get-Command Get-AutomationVariable -ErrorAction Ignore)) { return $null }
    try { Get-AutomationVariable -Name $Name } catch { $null }
}

$keySetHere = $false
$keyBefore = $env:ORCHESTRATOR_OPS_VAULT_KEY
try {
    $key = Get-OptionalAutomationVariable $VaultKeyVariable
    if ($key) {
        $env:ORCHESTRATOR_OPS_VAULT_KEY = [string] $key
        $keySetHere = $true
    }
    if (-not $ConfigPath) { $ConfigPath = [string] (Get-OptionalAutomationVariable $ConfigPathVariable) }

    Import-Module Orchestrator.Ops

    $runbook = @{ Name = 'DailyMaintenance'; Confirm = $false; WarningAction = 'SilentlyContinue'; WarningVariable = 'moduleWarnings' }
    if ($ConfigPath) { $runbook.ConfigPath = $ConfigPath }
    if ($ReportDirectory) {
        $runbook.Report = Join-Path $ReportDirectory ('daily-maintenance-{0}.md' -f (Get-Date).ToString('yyyy-MM-dd', [cultureinfo]::InvariantCulture))
        $runbook.Force = $true
    }
    $checks = @(Invoke-OpsRunbook @runbook)
    foreach ($w in $moduleWarnings) { Write-Warning $w }
}
finally {
    # Back as it was: removed when this set it, the caller's own value when there was one.
    if ($keySetHere) { $env:ORCHESTRATOR_OPS_VAULT_KEY = $keyBefore }
}

if ($checks.Count -eq 0) { throw 'Invoke-OpsRunbook DailyMaintenance returned no check.' }

foreach ($c in $checks) {
    Write-Output ('{0}. {1}: {2} - {3}' -f $c.Order, $c.Item, $c.Status, $c.Detail)
    if ("$($c.Status)" -in 'Warn', 'Skipped') { Write-Warning "$($c.Item): $($c.Status) - $($c.Detail)" }
}

# Status is an enum from the module's private load context: compare its name, as a string.
$failed = @($checks | Where-Object { "$($_.Status)" -eq 'Fail' })
$counts = ('Pass', 'Warn', 'Fail', 'Skipped' | ForEach-Object { $s = $_; "$(@($checks | Where-Object { "$($_.Status)" -eq $s }).Count) $($s.ToLowerInvariant())" }) -join ', '
$where = if ($ReportDirectory) { "; report $($runbook.Report)" } else { '' }
Write-Output "DailyMaintenance on $([Environment]::MachineName): $counts$where"
if ($failed) {
    throw "DailyMaintenance failed: $(($failed | ForEach-Object { "$($_.Item) ($($_.Detail))" }) -join '; ')"
}
