#Requires -Version 7.4

<#
.SYNOPSIS
    Update-Secret on one secret with 3 targets, -Iterations times, against the verification probes alone.

.DESCRIPTION
    Starts the sandbox (its wrappers check their tokens), gives routellm-token a third target (a JSON file besides the
    blue and green env files), then alternates, -Iterations times each:
      rotation   Update-Secret -Name routellm-token: create, set on 3 targets, test (routellm probed in both slots with
                 the new value), finish — the grace period is not waited for;
      probes     Get-WrapperHealth -Name routellm -Live: the same two probes, recorded and assessed.
    Both are whole cmdlet calls (each opens the engine), timed with a stopwatch. Prints median and p99 of each, and the
    ratio rotation ÷ probes: what a rotation costs beyond the verification it cannot skip.
#>
param(
    [int] $Iterations = 100
)

$ErrorActionPreference = 'Stop'
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}
Import-Module $manifest -Force

function Get-Percentile([double[]] $Values, [double] $P) {
    $sorted = [double[]]($Values | Sort-Object)
    $rank = [Math]::Max(0, [Math]::Ceiling($P / 100 * $sorted.Length) - 1)
    $sorted[$rank]
}

$root = Join-Path ([IO.Path]::GetTempPath()) ("ops-bench-secrets-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
try {
    $sandbox = Start-OpsSandbox -Root $root -PassThru
    $config = $sandbox.ConfigPath
    $json = Get-Content -Raw -LiteralPath $config | ConvertFrom-Json -AsHashtable
    $item = $json['secrets']['items'] | Where-Object { $_['name'] -eq 'routellm-token' }
    $item['targets'] += @(@{ type = 'jsonFile'; path = 'app/routing.json'; property = 'routellm.token' })
    $json | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $config
    New-Item -ItemType Directory -Path (Join-Path $root 'app') | Out-Null
    Set-Content -LiteralPath (Join-Path $root 'app/routing.json') -Value '{ "routellm": { "model": "router-mf" } }'
    [IO.File]::SetUnixFileMode((Join-Path $root 'app/routing.json'), [IO.UnixFileMode]'UserRead, UserWrite')

    # Warm-up: JIT, the store's first connections, the first rotation's new vault version.
    1..3 | ForEach-Object {
        Update-Secret -ConfigPath $config -Name routellm-token -Confirm:$false | Out-Null
        Get-WrapperHealth -ConfigPath $config -Name routellm -Live | Out-Null
    }

    $rotation = [Collections.Generic.List[double]]::new()
    $probes = [Collections.Generic.List[double]]::new()
    $failed = 0
    for ($i = 1; $i -le $Iterations; $i++) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $r = Update-Secret -ConfigPath $config -Name routellm-token -Confirm:$false
        $rotation.Add($sw.Elapsed.TotalMilliseconds)
        if ($r.Outcome -ne 'Rotated' -or $r.Targets.Count -ne 3) { $failed++ }

        $sw.Restart()
        $h = Get-WrapperHealth -ConfigPath $config -Name routellm -Live
        $probes.Add($sw.Elapsed.TotalMilliseconds)
        if (@($h | Where-Object SuccessRate -NE 100).Count -gt 0) { $failed++ }
        if ($i % 10 -eq 0) { Write-Progress -Activity 'SecretRotation bench' -Status "$i of $Iterations" -PercentComplete ($i * 100 / $Iterations) }
    }
    Write-Progress -Activity 'SecretRotation bench' -Completed

    $rows = foreach ($pair in @(@('rotation (3 targets, verified)', $rotation), @('verification probes alone', $probes))) {
        [pscustomobject]@{
            What     = $pair[0]
            N        = $pair[1].Count
            MedianMs = [Math]::Round((Get-Percentile $pair[1] 50), 1)
            P99Ms    = [Math]::Round((Get-Percentile $pair[1] 99), 1)
        }
    }
    $rows | Format-Table -AutoSize | Out-String | Write-Output
    $ratio = [Math]::Round($rows[0].MedianMs / $rows[1].MedianMs, 2)
    $ratio99 = [Math]::Round($rows[0].P99Ms / $rows[1].P99Ms, 2)
    Write-Output "rotation ÷ probes: median $ratio, p99 $ratio99; failed: $failed; $Iterations iterations on $([Environment]::ProcessorCount) cores (sandbox, vault, store and pwsh share them)."
    $versions = (Get-ManagedSecret -ConfigPath $config -Name routellm-token).CurrentVersion
    Write-Output "routellm-token is at version $versions after $($Iterations + 3) rotations."
}
finally {
    Stop-OpsSandbox -Root $root -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}
