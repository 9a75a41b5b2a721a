#Requires -Version 7.4

<#
.SYNOPSIS
    New-Backup (verification included) against `tar -czf`, and Restore-Backup against `tar -xzf`, on the same
    generated tree, side by side.

.DESCRIPTION
    Generates a tree of about -SizeMiB MiB under a temp folder: many small text-like files (compressible) and a few
    large ones, half random (incompressible) and half repetitive. Registers it as backups.paths of a minimal ops
    configuration (no fleet needed), then times, alternating the order each round:
      tar -czf archive.tgz tree            vs  New-Backup           (writes, then re-reads and re-hashes every byte)
      tar -xzf archive.tgz -C out          vs  Restore-Backup -Destination out (verifies every byte first, then
                                               writes with per-file hash checks)
    Prints the median of -Rounds for each, the ratios (goal ≤ 1.0 for both), bytes/s and the compression ratio.
#>
param(
    [int] $SizeMiB = 1024,
    [int] $Rounds = 3
)

$ErrorActionPreference = 'Stop'
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}
if (-not (Get-Command tar -CommandType Application -ErrorAction SilentlyContinue)) { throw 'Backup.Bench.ps1 needs tar on PATH.' }
Import-Module $manifest -Force

$root = Join-Path ([IO.Path]::GetTempPath()) ("ops-bench-backup-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Path $root | Out-Null
try {
    # --- the tree: 60 % of the bytes in 4 large files (half random, half repetitive), 40 % in small files
    $tree = Join-Path $root 'tree'
    $rng = [Random]::new(42)
    $large = [long]($SizeMiB * 0.6 * 1MB / 4)
    for ($i = 0; $i -lt 4; $i++) {
        $path = Join-Path $tree "large/model-$i.bin"
        New-Item -ItemType Directory -Force -Path (Split-Path $path) | Out-Null
        $fs = [IO.File]::Create($path)
        try {
            $block = [byte[]]::new(1MB)
            for ($written = 0L; $written -lt $large; $written += $block.Length) {
                if ($i % 2 -eq 0) { $rng.NextBytes($block) } else { [Text.Encoding]::ASCII.GetBytes(('weights ' + $written + ' ') * 40000).CopyTo($block, 0) }
                $fs.Write($block, 0, $block.Length)
            }
        } finally { $fs.Dispose() }
    }
    $small = [long]($SizeMiB * 0.4 * 1MB)
    $line = [Text.Encoding]::UTF8.GetBytes("route model=gpt-4o tenant=acme latency_ms=120 cost=0.0021 status=ok`n")
    $n = 0
    $salt = [byte[]]::new(64)
    for ($written = 0L; $written -lt $small; $n++) {
        $size = 2KB + $rng.Next(0, 60KB)
        $path = Join-Path $tree ("small/{0:D3}/f{1:D6}.log" -f ($n % 500), $n)
        if ($n -lt 500) { New-Item -ItemType Directory -Force -Path (Split-Path $path) | Out-Null }
        $buf = [byte[]]::new($size)
        for ($o = 0; $o -lt $size; $o += $line.Length) { [Array]::Copy($line, 0, $buf, $o, [Math]::Min($line.Length, $size - $o)) }
        $rng.NextBytes($salt); [Array]::Copy($salt, 0, $buf, 0, [Math]::Min($salt.Length, $size))
        [IO.File]::WriteAllBytes($path, $buf)
        $written += $size
    }
    $treeBytes = (Get-ChildItem $tree -Recurse -File | Measure-Object Length -Sum).Sum
    $treeFiles = (Get-ChildItem $tree -Recurse -File).Count
    Write-Output ("tree: {0:N0} files, {1:N1} MiB" -f $treeFiles, ($treeBytes / 1MB))

    $config = Join-Path $root 'ops.json'
    @{
        opsRoot = 'ops'
        wrappers = @(@{ name = 'routellm'; kind = 'routellm' })
        slots = @{ blue = @{ routellm = 'http://127.0.0.1:9/' } }
        backups = @{ paths = @($tree) }
    } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $config

    function Measure-Seconds([scriptblock] $Block) {
        $sw = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $sw.Elapsed.TotalSeconds
    }

    $results = @{ TarC = @(); NewBackup = @(); TarX = @(); Restore = @() }
    $tgz = Join-Path $root 'archive.tgz'
    $lastBackup = $null
    for ($r = 1; $r -le $Rounds; $r++) {
        $pair = @(
            { $script:results.TarC += Measure-Seconds { tar -czf $tgz -C $root tree; if ($LASTEXITCODE) { throw 'tar -czf failed' } } },
            { $script:results.NewBackup += Measure-Seconds { $script:lastBackup = New-Backup -ConfigPath $config -Tag bench } }
        )
        if ($r % 2 -eq 0) { [array]::Reverse($pair) }
        foreach ($p in $pair) { & $p }

        $outTar = Join-Path $root "out-tar-$r"; $outOps = Join-Path $root "out-ops-$r"
        New-Item -ItemType Directory -Path $outTar | Out-Null
        $pair = @(
            { $script:results.TarX += Measure-Seconds { tar -xzf $tgz -C $outTar; if ($LASTEXITCODE) { throw 'tar -xzf failed' } } },
            { $script:results.Restore += Measure-Seconds { Restore-Backup -Id $script:lastBackup.Id -ConfigPath $config -Destination $outOps -Confirm:$false } }
        )
        if ($r % 2 -eq 0) { [array]::Reverse($pair) }
        foreach ($p in $pair) { & $p }
        Remove-Item -Recurse -Force $outTar, $outOps
        Get-Backup -ConfigPath $config | Where-Object Id -ne $script:lastBackup.Id | Remove-Backup -ConfigPath $config -Confirm:$false
    }

    function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][Math]::Floor(($s.Count - 1) / 2)] }
    $tarC = Median $results.TarC; $newB = Median $results.NewBackup; $tarX = Median $results.TarX; $rest = Median $results.Restore
    $tgzBytes = (Get-Item $tgz).Length
    $ours = $script:lastBackup.CompressedBytes
    [pscustomobject]@{ Operation = 'tar -czf'; MedianS = [Math]::Round($tarC, 2); MiBps = [Math]::Round($treeBytes / 1MB / $tarC, 1); Compression = [Math]::Round($treeBytes / $tgzBytes, 2) },
    [pscustomobject]@{ Operation = 'New-Backup (+ verify)'; MedianS = [Math]::Round($newB, 2); MiBps = [Math]::Round($treeBytes / 1MB / $newB, 1); Compression = [Math]::Round($treeBytes / $ours, 2) },
    [pscustomobject]@{ Operation = 'tar -xzf'; MedianS = [Math]::Round($tarX, 2); MiBps = [Math]::Round($treeBytes / 1MB / $tarX, 1); Compression = $null },
    [pscustomobject]@{ Operation = 'Restore-Backup -Destination (+ verify)'; MedianS = [Math]::Round($rest, 2); MiBps = [Math]::Round($treeBytes / 1MB / $rest, 1); Compression = $null } |
        Format-Table -AutoSize | Out-String -Width 160 | Write-Output
    Write-Output ("New-Backup ÷ tar -czf = {0:0.00} (goal ≤ 1.0: {1}); Restore-Backup ÷ tar -xzf = {2:0.00} (goal ≤ 1.0: {3}); codec {4}; rounds {5}" -f
        ($newB / $tarC), $(if ($newB / $tarC -le 1.0) { 'PASS' } else { 'MISS' }), ($rest / $tarX), $(if ($rest / $tarX -le 1.0) { 'PASS' } else { 'MISS' }), $script:lastBackup.Codec, $Rounds)
}
finally {
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}
