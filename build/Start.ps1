#Requires -Version 7.4

<#
.SYNOPSIS
    The main job: starts the sandbox fleet and the monitoring service through the built module, drives light
    synthetic traffic through the service's gateway so the numbers are live, shows the dashboard address, the
    API key's location and the health, and keeps running until Ctrl+C. Called by `build.ps1 Start` in a child pwsh.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $Root,
    # How often the health table is printed again while running.
    [int] $RefreshSeconds = 30,
    # Print once and stop everything (used to check the script itself).
    [switch] $Once
)

$ErrorActionPreference = 'Stop'

Import-Module $ModuleManifest -Force
$sandbox = $null
$service = $null
$traffic = $null
try {
    $sandbox = Start-OpsSandbox -Root $Root -PassThru
    Write-Host "Sandbox fleet: 3 wrappers x blue/green on 127.0.0.1 (process $($sandbox.ProcessId)); it stands in for your services."
    $service = Start-OpsService -PassThru -Confirm:$false
    Write-Host "Monitoring service: process $($service.ProcessId), probing every wrapper in both slots every 30 s."

    if ($service.GatewayUrl) {
        $gateway = $service.GatewayUrl.AbsoluteUri
        $wrappers = @($sandbox.Instances.Wrapper | Sort-Object -Unique)
        $traffic = Start-ThreadJob -Name 'ops-synthetic-traffic' -ArgumentList $gateway, $wrappers -ScriptBlock {
            param($Gateway, $Wrappers)
            $client = [System.Net.Http.HttpClient]::new()
            while ($true) {
                foreach ($w in $Wrappers) {
                    try { $client.PostAsync("$Gateway$w/v1/operation", $null).GetAwaiter().GetResult().Dispose() } catch { }
                }
                Start-Sleep -Milliseconds 250
            }
        }
        Write-Host "SYNTHETIC TRAFFIC: about $([math]::Round($wrappers.Count * 4)) requests/s go through the gateway $gateway to the active slot, so the rates and percentiles below are live. They are made up by this script, not real users."
    }
    else {
        Write-Host 'This service has no gateway yet; the numbers below come from probes only.'
    }

    # A wrapper is Unknown until its window holds minimumSamples operations; probe that many rounds now.
    $config = Get-Content -Raw $sandbox.ConfigPath | ConvertFrom-Json
    foreach ($round in 1..([int]$config.healthChecks.minimumSamples)) {
        Get-WrapperHealth -Live | Out-Null
    }

    Write-Host ''
    Write-Host "Dashboard:  $($service.DashboardUrl)   (self-signed certificate; the page asks for the API key once)"
    Write-Host "API key:    $($service.ApiKeyPath)   (mode 0600; curl -k -H `"X-Api-Key: `$(cat $($service.ApiKeyPath))`" $($service.ApiUrl)api/system/health)"
    Write-Host "Logs:       $($service.LogsFolder)"
    Write-Host '--- Get-SystemHealth ---------------------------------------------'
    Get-SystemHealth | Format-List | Out-Host
    Write-Host '--- Get-WrapperHealth --------------------------------------------'
    Get-WrapperHealth | Format-Table | Out-Host

    Write-Host @"
To use the module in your own session (while this runs, or on your own):

    Import-Module $ModuleManifest
    Get-WrapperHealth -ConfigPath $($sandbox.ConfigPath)
    Get-HealthAlert -ConfigPath $($sandbox.ConfigPath)

"@
    if ($Once) { return }
    Write-Host "Running until Ctrl+C; the health table is shown again every $RefreshSeconds s."
    while ($true) {
        Start-Sleep -Seconds $RefreshSeconds
        Write-Host "--- $(Get-Date -Format 'HH:mm:ss') ---"
        Get-WrapperHealth | Format-Table | Out-Host
    }
}
finally {
    if ($traffic) { $traffic | Stop-Job -PassThru | Remove-Job -Force }
    if ($service) {
        try { Stop-OpsService -Confirm:$false } catch { Write-Warning "Stop-OpsService failed: $_" }
    }
    if ($sandbox) {
        try { Stop-OpsSandbox } catch { Write-Warning "Stop-OpsSandbox failed: $_" }
    }
    Write-Host 'Stopped the synthetic traffic, the monitoring service and the sandbox.'
}
