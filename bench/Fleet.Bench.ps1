#Requires -Version 7.4

<#
.SYNOPSIS
    A fleet of a hundred wrappers: how long the sandbox takes to start with a token for each, one live probe round of
    every wrapper in both slots, and Get-SystemHealth on the stored results, beside the same at the default three.

.DESCRIPTION
    Starts Start-OpsSandbox -Wrappers 3 and then -Wrappers 100 (each under its own temporary root, stopped in a
    finally), and for each times, median of -Rounds after one warm-up: Get-WrapperHealth -Live (2N probes) and
    Get-SystemHealth. Prints the table and the 100 / 3 ratios. Issue 19's goals at 100 wrappers: Get-SystemHealth
    under 1 s warm; a probe round within 1.3x of a hanging endpoint's budget (ProbeFanout.Bench.ps1 measures that).
#>
param(
    [int] $Rounds = 5,
    # Comma-separated (pwsh -File passes "3,100" as one string).
    [string] $Sizes = '3,100'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}
Import-Module $manifest
$env:ORCHESTRATOR_OPS_CONFIG = $null

function Measure-Median([scriptblock] $Action) {
    & $Action | Out-Null
    $times = foreach ($i in 1..$Rounds) { (Measure-Command { & $Action | Out-Null }).TotalSeconds }
    ($times | Sort-Object)[[int][math]::Floor($times.Count / 2)]
}

$rows = foreach ($n in @($Sizes -split ',' | ForEach-Object { [int]$_.Trim() })) {
    $root = Join-Path ([IO.Path]::GetTempPath()) "orchestrator-ops-bench-fleet-$n-$PID"
    try {
        $start = Measure-Command { $sandbox = Start-OpsSandbox -Root $root -Wrappers $n -PassThru }
        $config = $sandbox.ConfigPath
        [pscustomobject]@{
            Wrappers            = $n
            Instances           = $sandbox.Instances.Count
            'Start s'           = [math]::Round($start.TotalSeconds, 2)
            'Probe round s'     = [math]::Round((Measure-Median { Get-WrapperHealth -Live -ConfigPath $config }), 3)
            'Get-SystemHealth s' = [math]::Round((Measure-Median { Get-SystemHealth -ConfigPath $config }), 3)
            Healthy             = @(Get-WrapperHealth -ConfigPath $config | Where-Object Status -eq 'Healthy').Count
        }
    }
    finally {
        Stop-OpsSandbox -Root $root -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
    }
}

$rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
if ($rows.Count -gt 1) {
    $first = $rows[0]; $last = $rows[-1]
    Write-Host ("    {0} / {1} wrappers: start {2:0.0}x, probe round {3:0.0}x, Get-SystemHealth {4:0.0}x" -f $last.Wrappers, $first.Wrappers,
        ($last.'Start s' / $first.'Start s'), ($last.'Probe round s' / $first.'Probe round s'), ($last.'Get-SystemHealth s' / $first.'Get-SystemHealth s'))
}
