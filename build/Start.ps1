#Requires -Version 7.4
<#
.SYNOPSIS
    Starts the sandbox fleet through the built module, shows its health, then stops it.
    Called by `build.ps1 Start` in a child pwsh.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $Root
)

$ErrorActionPreference = 'Stop'

Import-Module $ModuleManifest -Force
$sandbox = $null
try {
    $sandbox = Start-OpsSandbox -Root $Root -PassThru
    $sandbox | Format-List | Out-Host

    # A wrapper is Unknown until its window holds minimumSamples probes (3 in the sandbox's config),
    # so probe that many rounds now: the health below then reflects the fleet as it is.
    $config = Get-Content -Raw $sandbox.ConfigPath | ConvertFrom-Json
    $rounds = [int]$config.healthChecks.minimumSamples
    foreach ($round in 1..$rounds) {
        Write-Host "Probing every wrapper in both slots (round $round of $rounds)..."
        Get-WrapperHealth -Live | Out-Null
    }

    Write-Host '--- Get-SystemHealth ---------------------------------------------'
    Get-SystemHealth | Format-List | Out-Host
    Write-Host '--- Get-WrapperHealth --------------------------------------------'
    Get-WrapperHealth | Format-Table | Out-Host

    Write-Host @"
To use the module in your own session:

    Import-Module $ModuleManifest
    Start-OpsSandbox -Root $Root
    Get-WrapperHealth
    Stop-OpsSandbox

The sandbox started by this script is stopped now.
"@
}
finally {
    if ($sandbox) {
        try { Stop-OpsSandbox } catch { Write-Warning "Stop-OpsSandbox failed: $_" }
    }
}
