#Requires -Version 7.4

<#
.SYNOPSIS
    One full probe round over 1,000 sandbox endpoints of which 100 hang (timeout 1 s, 3 retries), as a ratio to
    what one hanging endpoint alone costs (all its attempts and backoff) — goal ≤ 1.3 — and side by side with a
    sequential `Invoke-RestMethod -TimeoutSec 1` loop over the same endpoints.
#>
param(
    [int] $Endpoints = 1000,
    [int] $Hanging = 100,
    [int] $Iterations = 3,
    [switch] $SkipSequential
)

$ErrorActionPreference = 'Stop'
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}

Import-Module $manifest -Force
$root = Join-Path ([IO.Path]::GetTempPath()) ("ops-bench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$sandbox = Start-OpsSandbox -Root $root -BenchEndpoints $Endpoints -BenchHang $Hanging -PassThru
try {
    $bench = $sandbox.BenchBaseUrl.AbsoluteUri.TrimEnd('/')
    function New-BenchConfig([string] $Name, [int[]] $Indexes, [int] $Parallelism) {
        $wrappers = foreach ($i in $Indexes) { @{ name = ('e{0:d4}' -f $i); kind = 'routellm' } }
        $urls = [ordered]@{}
        foreach ($i in $Indexes) { $urls[('e{0:d4}' -f $i)] = "$bench/e/$i" }
        $path = Join-Path $root "$Name.json"
        @{
            opsRoot      = "./$Name"
            wrappers     = @($wrappers)
            slots        = @{ blue = $urls }
            healthChecks = @{ timeoutSeconds = 1; retries = 3; retryDelayMs = 200; maxParallelism = $Parallelism; minimumSamples = 1 }
        } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $path
        $path
    }

    $single = New-BenchConfig 'single' @(0) 1
    $all = 0..($Endpoints - 1)
    $configs = [ordered]@{
        'maxParallelism 64'            = New-BenchConfig 'fleet64' $all 64
        'maxParallelism 256 (default)' = New-BenchConfig 'fleet256' $all 256
    }

    function Median([double[]] $v) { $s = @($v | Sort-Object); $s[[int][math]::Floor(($s.Count - 1) / 2)] }
    function Measure-Round([string] $Config) {
        $samples = foreach ($i in 1..$Iterations) {
            (Measure-Command { Get-WrapperHealth -Live -ConfigPath $Config | Out-Null }).TotalMilliseconds
        }
        Median $samples
    }

    Get-WrapperHealth -Live -ConfigPath $single | Out-Null   # warm up JIT and connections
    $oneMs = Measure-Round $single
    $rows = foreach ($name in $configs.Keys) {
        $ms = Measure-Round $configs[$name]
        $check = Get-WrapperHealth -ConfigPath $configs[$name]
        [pscustomobject]@{
            Run                = "Get-WrapperHealth -Live, $Endpoints endpoints ($Hanging hang), $name"
            WallMs             = [math]::Round($ms, 0)
            RatioToOneHanging  = [math]::Round($ms / $oneMs, 2)
            Probed             = @($check).Count
            Failed             = @($check | Where-Object { $_.Message -like 'last*probe*failed*' }).Count
        }
    }
    $rows = @([pscustomobject]@{ Run = 'one hanging endpoint alone (4 attempts × 1 s + backoff)'; WallMs = [math]::Round($oneMs, 0); RatioToOneHanging = 1.0; Probed = 1; Failed = 1 }) + @($rows)

    if (-not $SkipSequential) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        foreach ($i in $all) {
            try { Invoke-RestMethod -Uri "$bench/e/$i/health" -TimeoutSec 1 | Out-Null } catch { }
        }
        $seqMs = $sw.Elapsed.TotalMilliseconds
        $rows += [pscustomobject]@{ Run = "sequential Invoke-RestMethod -TimeoutSec 1 loop (no retries)"; WallMs = [math]::Round($seqMs, 0); RatioToOneHanging = [math]::Round($seqMs / $oneMs, 2); Probed = $Endpoints; Failed = $Hanging }
    }

    $rows | Format-Table -AutoSize | Out-String -Width 220
    'Goal: RatioToOneHanging ≤ 1.3 for the full round.'
}
finally {
    Stop-OpsSandbox -Root $root
    Remove-Item -Recurse -Force -LiteralPath $root -ErrorAction SilentlyContinue
}
