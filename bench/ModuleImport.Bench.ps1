#Requires -Version 7.4
<#
.SYNOPSIS
    Times Import-Module of the built module in fresh pwsh processes (cold import, as a user or a
    scheduled script sees it). The smallest example of a bench/*.Bench.ps1 script.
#>
param([int] $Iterations = 5)

$ErrorActionPreference = 'Stop'
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}

# Same PowerShell as this one: `dotnet <PSHOME>/pwsh.dll` when pwsh runs as a dotnet tool.
$exe = [Environment]::ProcessPath
[string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @((Join-Path $PSHOME 'pwsh.dll')) } else { @() }
$command = "`$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$($manifest -replace "'", "''")'; `$sw.Elapsed.TotalMilliseconds"

$samples = foreach ($i in 1..$Iterations) {
    $output = & $exe @prefix -NoProfile -NonInteractive -Command $command
    if ($LASTEXITCODE -ne 0) { throw "Import-Module failed in a child pwsh (exit code $LASTEXITCODE)." }
    [double] ($output | Select-Object -Last 1)
}

$sorted = @($samples | Sort-Object)
[pscustomobject]@{
    Benchmark  = 'Import-Module Orchestrator.Ops (cold process)'
    Iterations = $Iterations
    MeanMs     = [math]::Round(($sorted | Measure-Object -Average).Average, 1)
    MinMs      = [math]::Round($sorted[0], 1)
    P50Ms      = [math]::Round($sorted[[int][math]::Floor(($sorted.Count - 1) / 2)], 1)
    MaxMs      = [math]::Round($sorted[-1], 1)
} | Format-Table -AutoSize | Out-String -Width 200
