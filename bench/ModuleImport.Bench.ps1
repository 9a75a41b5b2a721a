#Requires -Version 7.4

<#
.SYNOPSIS
    Cold Import-Module cost: wall time of `pwsh -NoProfile -Command "Import-Module <module>"` against a bare
    `pwsh -NoProfile -Command "exit"`, run interleaved in fresh processes. Goal: under 300 ms added.
#>
param([int] $Iterations = 10)

$ErrorActionPreference = 'Stop'
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}

# Same PowerShell as this one: `dotnet <PSHOME>/pwsh.dll` when pwsh runs as a dotnet tool.
$exe = [Environment]::ProcessPath
[string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @((Join-Path $PSHOME 'pwsh.dll')) } else { @() }
$import = "Import-Module '$($manifest -replace "'", "''")'"

function Measure-Process([string] $Command) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & $exe @prefix -NoProfile -NonInteractive -Command $Command | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "pwsh -Command '$Command' failed with exit code $LASTEXITCODE." }
    $sw.Elapsed.TotalMilliseconds
}

Measure-Process 'exit' | Out-Null   # warm the disk cache for both sides alike
$bare = [Collections.Generic.List[double]]::new()
$with = [Collections.Generic.List[double]]::new()
foreach ($i in 1..$Iterations) {
    $bare.Add((Measure-Process 'exit'))
    $with.Add((Measure-Process $import))
}

function Median([double[]] $v) { $s = @($v | Sort-Object); $s[[int][math]::Floor(($s.Count - 1) / 2)] }
$bareMs = Median $bare
$withMs = Median $with
[pscustomobject]@{
    Benchmark        = 'cold Import-Module (fresh pwsh -NoProfile each run)'
    Iterations       = $Iterations
    BarePwshMs       = [math]::Round($bareMs, 0)
    WithImportMs     = [math]::Round($withMs, 0)
    AddedByImportMs  = [math]::Round($withMs - $bareMs, 0)
    Ratio            = [math]::Round($withMs / $bareMs, 2)
    Goal             = 'AddedByImportMs < 300'
} | Format-List | Out-String -Width 200
