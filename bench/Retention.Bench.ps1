#Requires -Version 7.4

<#
.SYNOPSIS
    The store a month of history leaves under the default retention, what the hourly prune costs on it, and how long
    the rollup build of a store from before rollups takes.

.DESCRIPTION
    1. Fills a store as the default store.retention keeps a month of history of 3 wrappers x 2 slots (one traffic row
       per pair and second for the last 2 days, one per minute for 31 days, one per hour for 31 days; a probe every
       30 s for 7 days with its attempt for the last 2 days and the probes' hourly rollup for 31 days), and reports
       its size per wrapper-slot. Goal (issue 19): under 40 MiB per wrapper-slot per 31 days.
    2. Times the hourly prune on it (the cutoffs an hour later: an hour of each resolution goes), in batches.
    3. Fills a store of -BuildDays days of per-second rows with no rollups, marked as migration 10 marks a store from
       before rollups, and times the resumable build of its minutes and hours (the engine's BuildRollupsAsync).

    Reads of those stores are timed by History.Bench.ps1. Needs sqlite3 (build.ps1 Bench installs it).
#>
param(
    [int] $BuildDays = 7,
    [string] $WorkDir = (Join-Path ([IO.Path]::GetTempPath()) "orchestrator-ops-bench-retention-$PID")
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}
if (-not (Get-Command sqlite3 -CommandType Application -ErrorAction SilentlyContinue)) {
    throw "The bench fills the store with sqlite3 (Debian package sqlite3)."
}
Import-Module $manifest
$env:ORCHESTRATOR_OPS_CONFIG = $null

$wrappers = 'routellm', 'poml', 'external-tools'
$slots = 'blue', 'green'
$pairCount = $wrappers.Count * $slots.Count
$pairs = ($wrappers | ForEach-Object { $w = $_; $slots | ForEach-Object { "SELECT '$w' AS w, '$_' AS s" } }) -join ' UNION ALL '
$none = [Threading.CancellationToken]::None

function New-Store([string] $Name) {
    $root = Join-Path $WorkDir $Name
    $null = New-Item -ItemType Directory -Path $root -Force
    $config = Join-Path $root 'ops.json'
    $slotMap = [ordered]@{}
    foreach ($s in $slots) {
        $urls = [ordered]@{}
        foreach ($w in $wrappers) { $urls[$w] = 'http://127.0.0.1:9/' }
        $slotMap[$s] = $urls
    }
    @{
        opsRoot  = '.'
        wrappers = @($wrappers | ForEach-Object { @{ name = $_; kind = $(if ($_ -eq 'external-tools') { 'external-tool' } else { $_ }) } })
        slots    = $slotMap
        store    = @{ path = 'state/ops.db' }
    } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $config
    # Creates the store at the current schema.
    $null = Get-WrapperMetric routellm -Slot blue -Hours 1 -ConfigPath $config
    [pscustomobject]@{ Config = $config; Db = Join-Path $root 'state/ops.db' }
}

function Get-Core {
    $core = [System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object Assemblies |
        Where-Object { $_.GetName().Name -eq 'Orchestrator.Ops.Core' } | Select-Object -First 1
    if (-not $core) { throw 'The engine assembly is not loaded; run a cmdlet first.' }
    $core
}

function Get-HistogramHex([long] $Times, [double] $Ms = -1) {
    $histogram = [Activator]::CreateInstance((Get-Core).GetType('Orchestrator.Ops.Core.Health.LatencyHistogram', $true))
    if ($Ms -ge 0) { $histogram.RecordMany($Ms, $Times) } else { foreach ($m in 20..79) { $histogram.RecordMany([double]$m, $Times) } }
    [Convert]::ToHexString($histogram.ToBytes())
}

function Invoke-Sqlite([string] $Db, [string] $Sql) {
    $out = $Sql | sqlite3 $Db
    if ($LASTEXITCODE -ne 0) { throw "sqlite3 failed on ${Db}: $out" }
    $out
}

function Open-Store([string] $Db) {
    $type = (Get-Core).GetType('Orchestrator.Ops.Core.State.SqliteStateStore')
    $type::OpenAsync($Db, [TimeSpan]::FromSeconds(30), [TimeProvider]::System, $none).GetAwaiter().GetResult()
}

function Get-Aggregates([string] $Table, [long] $From, [long] $Until, [long] $Step, [long] $Seconds, [string] $Hex) {
    @"
WITH RECURSIVE t(at) AS (SELECT $From UNION ALL SELECT at + $Step FROM t WHERE at + $Step < $Until)
INSERT INTO $Table (wrapper, slot, bucket_start, bucket_ms, successes, fallbacks, errors, timeouts, cancelled,
    status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, latency_sum_ms, latency_histogram, last_activity_at)
SELECT p.w, p.s, t.at, $Step, $(58 * $Seconds), $Seconds, $Seconds, 0, 0, 0, $(58 * $Seconds), 0, $Seconds, $Seconds, $(2970.0 * $Seconds), X'$Hex', t.at + $Step - 1 FROM t, ($pairs) p;
"@
}

$day = 86400000L
$hour = 3600000L
$now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() * 1000
$nowHour = $now - ($now % $hour)
try {
    # 1. A month under the default retention.
    $steady = New-Store 'steady'
    Write-Host "    filling a month as the default retention keeps it ..."
    $probeHex = Get-HistogramHex 120 40
    $fill = @"
PRAGMA journal_mode = WAL;
BEGIN;
$(Get-Aggregates traffic_aggregates ($now - 2 * $day) $now 1000 1 (Get-HistogramHex 1))
$(Get-Aggregates traffic_minutes ($nowHour - 31 * $day) $nowHour 60000 60 (Get-HistogramHex 60))
$(Get-Aggregates traffic_hours ($nowHour - 31 * $day) $nowHour $hour 3600 (Get-HistogramHex 3600))
WITH RECURSIVE t(at) AS (SELECT $($now - 7 * $day) UNION ALL SELECT at + 30000 FROM t WHERE at + 30000 < $now)
INSERT INTO operations (wrapper, slot, source, operation_type, started_at, ended_at, duration_ms, status, status_code, fallback_used, attempts, version)
SELECT p.w, p.s, 'probe', 'health_check', t.at, t.at + 40, 40.0, 'success', 200, 0, 1, '1.4.2' FROM t, ($pairs) p;
INSERT INTO probe_attempts (operation_id, attempt, started_at, duration_ms, outcome, status_code, error)
SELECT id, 1, started_at, duration_ms, 'Success', 200, NULL FROM operations WHERE started_at >= $($now - 2 * $day);
WITH RECURSIVE t(at) AS (SELECT $($nowHour - 31 * $day) UNION ALL SELECT at + $hour FROM t WHERE at + $hour < $nowHour)
INSERT INTO probe_hours (wrapper, slot, bucket_start, bucket_ms, successes, fallbacks, errors, timeouts, cancelled,
    status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, latency_sum_ms, latency_histogram, last_activity_at)
SELECT p.w, p.s, t.at, $hour, 120, 0, 0, 0, 0, 0, 120, 0, 0, 0, 4800.0, X'$probeHex', t.at + $hour - 1 FROM t, ($pairs) p;
COMMIT;
"@
    $null = Invoke-Sqlite $steady.Db $fill
    $null = Invoke-Sqlite $steady.Db 'PRAGMA wal_checkpoint(TRUNCATE);'
    $bytes = (Get-Item $steady.Db).Length
    $counts = Invoke-Sqlite $steady.Db "SELECT (SELECT COUNT(*) FROM traffic_aggregates), (SELECT COUNT(*) FROM traffic_minutes), (SELECT COUNT(*) FROM operations), (SELECT COUNT(*) FROM probe_attempts);"
    # Where the bytes are (tables with their indexes), when this sqlite3 has the dbstat table.
    $split = try { Invoke-Sqlite $steady.Db @"
SELECT COALESCE(m.tbl_name, d.name), ROUND(SUM(d.pgsize) / 1048576.0 / $pairCount, 1)
FROM dbstat d LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1 ORDER BY 2 DESC LIMIT 6;
"@ } catch { $null }
    $breakdown = if ($split) { ($split | ForEach-Object { $p = $_ -split '\|'; "$($p[0]) $($p[1])" }) -join ', ' } else { 'dbstat not available' }

    # 2. The hourly prune on it: an hour later, an hour of each resolution is past its cutoff.
    $core = Get-Core
    $store = Open-Store $steady.Db
    $retention = [Activator]::CreateInstance($core.GetType('Orchestrator.Ops.Core.Configuration.HistoryRetention'))
    $cutoffs = $core.GetType('Orchestrator.Ops.Core.State.HistoryCutoffs')::At([DateTimeOffset]::FromUnixTimeMilliseconds($nowHour + $hour + 60000), $retention)
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $pruned = $store.Health.PruneAsync($cutoffs, $none).GetAwaiter().GetResult()
    $pruneSeconds = $watch.Elapsed.TotalSeconds
    $null = $store.DisposeAsync().AsTask().GetAwaiter().GetResult()

    # 3. The rollup build of a store from before rollups.
    $old = New-Store 'before-rollups'
    Write-Host "    filling $BuildDays day(s) of per-second rows without rollups ..."
    $builtFrom = $now - ($now % $hour) + $hour
    $null = Invoke-Sqlite $old.Db @"
PRAGMA journal_mode = WAL;
BEGIN;
$(Get-Aggregates traffic_aggregates ($now - $BuildDays * $day) $now 1000 1 (Get-HistogramHex 1))
INSERT OR IGNORE INTO series (wrapper, slot) SELECT p.w, p.s FROM ($pairs) p;
INSERT INTO history_marks (name, built_from) VALUES ('traffic_minutes', $builtFrom), ('traffic_hours', $builtFrom)
    ON CONFLICT (name) DO UPDATE SET built_from = excluded.built_from;
COMMIT;
"@
    $store = Open-Store $old.Db
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $built = $store.Health.BuildRollupsAsync($null, $none).GetAwaiter().GetResult()
    $buildSeconds = $watch.Elapsed.TotalSeconds
    $null = $store.DisposeAsync().AsTask().GetAwaiter().GetResult()
    $traffic = $built | Where-Object Family -eq 'traffic'
    $check = Invoke-Sqlite $old.Db "SELECT (SELECT SUM(successes) FROM traffic_aggregates) = (SELECT SUM(successes) FROM traffic_hours), (SELECT COUNT(*) FROM history_marks WHERE built_from IS NOT NULL);"
    if ($check -ne '1|0') { throw "The build left the hours unequal to the seconds or a mark pending: $check" }

    $c = $counts -split '\|'
    [pscustomobject]@{
        'Store MiB'                 = [math]::Round($bytes / 1MB, 1)
        'MiB per wrapper-slot'      = [math]::Round($bytes / 1MB / $pairCount, 1)
        'MiB per wrapper-slot by table' = $breakdown
        'Rows s/min/probes/attempts' = "$($c[0])/$($c[1])/$($c[2])/$($c[3])"
        'Hourly prune s'            = [math]::Round($pruneSeconds, 3)
        'Pruned rows'               = $pruned.Total
        Batches                     = $pruned.Batches
        'Build hours'               = $traffic.HoursDone
        'Build s'                   = [math]::Round($buildSeconds, 1)
        'Build ms per pair-hour'    = [math]::Round(1000 * $buildSeconds / [math]::Max(1, $traffic.HoursDone * $pairCount), 1)
    } | Format-List | Out-String -Width 200 | Write-Host
    Write-Host ("    goal: under 40 MiB per wrapper-slot per 31 days; measured {0:0.0} MiB" -f ($bytes / 1MB / $pairCount))
}
finally {
    Remove-Item -LiteralPath $WorkDir -Recurse -Force -ErrorAction SilentlyContinue
}
