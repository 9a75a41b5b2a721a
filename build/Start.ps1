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

    # One live probe round so the health below reflects the fleet as it is now.
    Get-WrapperHealth -Live | Out-Null

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
