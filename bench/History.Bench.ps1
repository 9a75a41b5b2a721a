#Requires -Version 7.4

<#
.SYNOPSIS
    Reading history from a store filled as the gateway fills it: a month view of one wrapper at 1 and 7 days of
    history (31 with -Days 1,7,31), and the store's statement before and after it used its keys.

.DESCRIPTION
    For each history length, fills (once, cached) a store with one traffic row per wrapper, slot and second (3 wrappers
    x 2 slots, a histogram as the gateway encodes it), then times, median of -Rounds after one warm-up:

      Get-WrapperMetric routellm -Slot blue -Hours 744   the month view (hourly buckets)
      Get-WrapperMetric routellm -Slot blue -Hours 24    the day view
      SQL, the earlier shape                              "(wrapper IS NULL OR wrapper = ?) AND (slot IS NULL OR ...)":
                                                          the planner walks the time index for every pair
      SQL, the shape the store uses now                   "wrapper = ? AND slot = ?": the primary key
      API health / 744h / series                          the service on that store: /api/system/health (p50 of
                                                          -ApiCalls), /api/wrappers/routellm/metrics?hours=744 and
                                                          the dashboard's series call (60 minutes in 60 s steps)

    The two SQL lines run in sqlite3 on the same file, side by side, and read the same rows (the script checks the
    counts). Goal (issue 19): the 31-day figure of each read within 1.5x of its 1-day figure; the month view under 1 s
    warm at 31 days. The fill writes the minute and hour rollups its seconds imply (as the store's writes would), so
    the month and day views read whole hours from traffic_hours; the two SQL lines still read the per-second rows.
#>
param(
    # Comma-separated (pwsh -File passes "1,7" as one string).
    [string] $Days = '1,7',
    [int] $Rounds = 3,
    # Wrappers in the store (each in both slots): 3 by default; more are named w004, w005, ...
    [int] $Wrappers = 3,
    # Keep per-second rows for the last N days only, as the default retention does (2), the older history as minute and
    # hour rows alone; 0: every day has its seconds.
    [int] $SecondsDays = 0,
    # Leave out the two sqlite3 statements (the earlier shape walks the time index over every pair: minutes on a
    # store of a hundred wrappers).
    [switch] $SkipSql,
    # Calls of /api/system/health and the series call for their p50.
    [int] $ApiCalls = 20,
    [string] $CacheDir = (Join-Path ([IO.Path]::GetTempPath()) 'orchestrator-ops-bench-history')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}
if (-not (Get-Command sqlite3 -CommandType Application -ErrorAction SilentlyContinue)) {
    throw "The bench fills and queries the store with sqlite3 (Debian package sqlite3)."
}
Import-Module $manifest
$env:ORCHESTRATOR_OPS_CONFIG = $null

$wrapperNames = @(@('routellm', 'poml', 'external-tools')[0..([math]::Min($Wrappers, 3) - 1)]) + @(if ($Wrappers -gt 3) { 4..$Wrappers | ForEach-Object { 'w{0:d3}' -f $_ } })
$slots = 'blue', 'green'

# A histogram as the gateway encodes it (60 requests around 40 ms), made by the engine itself: its assembly is in the
# module's own load context once a cmdlet has run. -Seconds N: the merge of N such seconds (what a minute or hour
# rollup of N filled seconds holds), each latency counted N times.
function Get-HistogramHex([long] $Seconds = 1) {
    $core = [System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object Assemblies |
        Where-Object { $_.GetName().Name -eq 'Orchestrator.Ops.Core' } | Select-Object -First 1
    if (-not $core) { throw 'The engine assembly is not loaded; run a cmdlet first.' }
    $histogram = [Activator]::CreateInstance($core.GetType('Orchestrator.Ops.Core.Health.LatencyHistogram', $true))
    foreach ($ms in 20..79) { $histogram.RecordMany([double]$ms, $Seconds) }
    [Convert]::ToHexString($histogram.ToBytes())
}

# The rollup rows (traffic_minutes or traffic_hours) the per-second rows from $Since (inclusive) to $Until (exclusive,
# both whole seconds) imply: plain sums, and for the histogram the merge of as many seconds as the bucket holds (60 or
# 3600, fewer in the partial first and last bucket), chosen by COUNT(*).
function Get-RollupSql([string] $Table, [long] $Width, [long] $Since, [long] $Until) {
    $last = $Until - 1000
    $counts = [System.Collections.Generic.SortedSet[long]]::new()
    $null = $counts.Add([math]::Min($Width, ($Until - $Since)) / 1000)
    $headEnd = [math]::Min($Since - ($Since % $Width) + $Width, $Until)
    $null = $counts.Add(($headEnd - $Since) / 1000)
    $tailStart = [math]::Max($last - ($last % $Width), $Since)
    $null = $counts.Add(($last - $tailStart) / 1000 + 1)
    $cases = ($counts | ForEach-Object { "WHEN $_ THEN X'$(Get-HistogramHex $_)'" }) -join ' '
    @"
INSERT INTO $Table (wrapper, slot, bucket_start, bucket_ms, successes, fallbacks, errors, timeouts, cancelled,
    status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, latency_sum_ms, latency_histogram, last_activity_at)
SELECT wrapper, slot, bucket_start - (bucket_start % $Width) AS b, $Width, SUM(successes), SUM(fallbacks), SUM(errors), SUM(timeouts), SUM(cancelled),
    SUM(status_1xx), SUM(status_2xx), SUM(status_3xx), SUM(status_4xx), SUM(status_5xx), SUM(latency_sum_ms),
    CASE COUNT(*) $cases END, MAX(last_activity_at)
FROM traffic_aggregates WHERE bucket_start >= $Since AND bucket_start < $Until GROUP BY wrapper, slot, b;
"@
}

# Whole rollup rows from $Since to $Until (both on a bucket boundary) with no seconds under them: what the store holds
# for history older than the seconds' retention. Each row is as many filled seconds as the bucket holds.
function Get-DirectRollupSql([string] $Table, [long] $Width, [long] $Since, [long] $Until, [string] $Pairs) {
    $n = $Width / 1000
    @"
WITH RECURSIVE t(at) AS (SELECT $Since UNION ALL SELECT at + $Width FROM t WHERE at + $Width < $Until)
INSERT INTO $Table (wrapper, slot, bucket_start, bucket_ms, successes, fallbacks, errors, timeouts, cancelled,
    status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, latency_sum_ms, latency_histogram, last_activity_at)
SELECT p.w, p.s, t.at, $Width, $(58 * $n), $n, $n, 0, 0, 0, $(58 * $n), 0, $n, $n, $(2970 * $n).0, X'$(Get-HistogramHex $n)', t.at + $Width - 1 FROM t, ($Pairs) p;
"@
}

function New-HistoryStore([int] $DayCount) {
    $root = Join-Path $CacheDir ("days-$DayCount" + $(if ($Wrappers -ne 3) { "-w$Wrappers" }) + $(if ($SecondsDays -gt 0) { "-s$SecondsDays" }))
    $config = Join-Path $root 'ops.json'
    $db = Join-Path $root 'state/ops.db'
    $marker = Join-Path $root 'filled'
    if (Test-Path $marker) { return [pscustomobject]@{ Config = $config; Db = $db; Until = [long](Get-Content $marker) } }

    Remove-Item $root -Recurse -Force -ErrorAction Ignore
    $null = New-Item -ItemType Directory -Path $root -Force
    $slotMap = [ordered]@{}
    foreach ($s in $slots) {
        $urls = [ordered]@{}
        foreach ($w in $wrapperNames) { $urls[$w] = 'http://127.0.0.1:9/' }
        $slotMap[$s] = $urls
    }
    @{
        opsRoot  = '.'
        wrappers = @($wrapperNames | ForEach-Object { @{ name = $_; kind = $(if ($_ -eq 'external-tools') { 'external-tool' } elseif ($_ -like 'w0*' -or $_ -like 'w[1-9]*') { 'routellm' } else { $_ }) } })
        slots    = $slotMap
        # Nothing pruned: the store keeps every second of its history (the worst case for the reads).
        store    = @{ path = 'state/ops.db'; retention = @{ secondsDays = 3650; minutesDays = 3650; hoursDays = 3650; probesDays = 3650; probeAttemptsDays = 3650 } }
        service  = @{ apiPort = 0; gatewayPort = 0 }
    } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $config
    # Creates the store at the current schema.
    $null = Get-WrapperMetric routellm -Slot blue -Hours 1 -ConfigPath $config
    $histogramHex = Get-HistogramHex

    $until = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() * 1000
    $since = $until - [long]$DayCount * 86400000
    $pairs = ($wrapperNames | ForEach-Object { $w = $_; $slots | ForEach-Object { "SELECT '$w' AS w, '$_' AS s" } }) -join ' UNION ALL '
    # With -SecondsDays: the seconds of the last days only (from a whole hour), whole minutes and hours before them.
    # Every filled second is the same, so whole minutes and hours are written directly (a GROUP BY over tens of millions
    # of seconds would take the fill an hour); only the partial minute and hour at the end are summed from their seconds.
    $older = ''
    $secondsSince = $since
    $rollupsSince = $since
    if ($SecondsDays -gt 0 -and $SecondsDays -lt $DayCount) {
        $secondsSince = ($until - [long]$SecondsDays * 86400000) - (($until - [long]$SecondsDays * 86400000) % 3600000)
        $first = $since - ($since % 3600000) + 3600000
        $lastMinute = $until - ($until % 60000)
        $lastHour = $until - ($until % 3600000)
        $older = (Get-DirectRollupSql traffic_minutes 60000 $first $lastMinute $pairs) + "`n" + (Get-DirectRollupSql traffic_hours 3600000 $first $lastHour $pairs)
        $rollupsSince = $lastMinute
    }
    $sql = @"
PRAGMA journal_mode = WAL;
BEGIN;
$older
WITH RECURSIVE t(at) AS (SELECT $secondsSince UNION ALL SELECT at + 1000 FROM t WHERE at + 1000 < $until)
INSERT INTO traffic_aggregates (wrapper, slot, bucket_start, bucket_ms, successes, fallbacks, errors, timeouts, cancelled,
    status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, latency_sum_ms, latency_histogram, last_activity_at)
SELECT p.w, p.s, t.at, 1000, 58, 1, 1, 0, 0, 0, 58, 0, 1, 1, 2970.0, X'$histogramHex', t.at + 999 FROM t, ($pairs) p;
INSERT OR IGNORE INTO series (wrapper, slot) SELECT p.w, p.s FROM ($pairs) p;
$(Get-RollupSql traffic_minutes 60000 $rollupsSince $until)
$(Get-RollupSql traffic_hours 3600000 $(if ($rollupsSince -eq $since) { $since } else { $until - ($until % 3600000) }) $until)
COMMIT;
"@
    Write-Host "    filling $DayCount day(s) of $($wrapperNames.Count) wrapper(s): $(($until - $secondsSince) / 1000 * $wrapperNames.Count * $slots.Count) per-second rows ..."
    $null = $sql | sqlite3 $db
    if ($LASTEXITCODE -ne 0) { throw "sqlite3 could not fill $db." }
    Set-Content -LiteralPath $marker -Value ($until - 1)
    [pscustomobject]@{ Config = $config; Db = $db; Until = $until - 1 }
}

# The service on the store: /api/system/health (p50 of -ApiCalls), the month view's API and the dashboard's series call,
# through the module's own client (it trusts exactly the certificate the service announced).
function Measure-Api([string] $Config) {
    $service = Start-OpsService -ConfigPath $Config -PassThru -Confirm:$false
    try {
        $core = [System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object Assemblies |
            Where-Object { $_.GetName().Name -eq 'Orchestrator.Ops.Core' } | Select-Object -First 1
        $client = $core.GetType('Orchestrator.Ops.Core.ServiceProcess.OpsServiceLauncher')::CreateClient($service)
        $base = $service.ApiUrl.AbsoluteUri.TrimEnd('/')
        if (([uri]$base).Host -ne '127.0.0.1') { throw "service is not on 127.0.0.1: $base" }
        $key = (Get-Content -Raw -LiteralPath $service.ApiKeyPath).Trim()
        function Get-Seconds([string] $Path, [int] $Count) {
            $times = foreach ($i in 0..$Count) {
                $request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::Get, "$base$Path")
                $request.Headers.Add('X-Api-Key', $key)
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $response = $client.SendAsync($request).GetAwaiter().GetResult()
                $null = $response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult()
                $elapsed = $watch.Elapsed.TotalSeconds
                if (-not $response.IsSuccessStatusCode) { throw "$Path answered HTTP $([int]$response.StatusCode)" }
                if ($i -gt 0) { $elapsed }   # the first call warms up
            }
            ($times | Sort-Object)[[int][math]::Floor(@($times).Count / 2)]
        }
        [pscustomobject]@{
            # The cmdlet beside the API: with the service up, its probes are fresh, so nothing is probed on the call.
            System  = Measure-Median { Get-SystemHealth -ConfigPath $Config }
            Health  = Get-Seconds '/api/system/health' $ApiCalls
            Metrics = Get-Seconds '/api/wrappers/routellm/metrics?hours=744' $Rounds
            Series  = Get-Seconds '/api/wrappers/routellm/series?minutes=60&step=60' $ApiCalls
        }
    }
    finally {
        Stop-OpsService -ConfigPath $Config -Confirm:$false -ErrorAction SilentlyContinue
    }
}

function Measure-Median([scriptblock] $Action) {
    & $Action | Out-Null
    $times = foreach ($i in 1..$Rounds) { (Measure-Command { & $Action | Out-Null }).TotalSeconds }
    ($times | Sort-Object)[[int][math]::Floor($times.Count / 2)]
}

function Measure-Sql([string] $Db, [string] $Query) {
    # Bound parameters, as the store binds them: with literals the planner would fold "'x' IS NULL" away.
    $out = @(".parameter set `$wrapper 'routellm'", ".parameter set `$slot 'blue'", ".timer on", $Query) | sqlite3 $Db
    if ($LASTEXITCODE -ne 0) { throw "sqlite3 failed: $out" }
    $real = ($out | Select-String 'Run Time: real ([0-9.]+)').Matches[0].Groups[1].Value
    [pscustomobject]@{ Seconds = [double]$real; Rows = [long]($out | Where-Object { $_ -match '^\d+$' } | Select-Object -First 1) }
}

$dayCounts = @($Days -split ',' | ForEach-Object { [int]$_.Trim() })
$rows = foreach ($d in $dayCounts) {
    $store = New-HistoryStore $d
    $since = $store.Until - 744L * 3600000
    $columns = 'COUNT(*), SUM(successes), SUM(LENGTH(latency_histogram))'
    $before = "SELECT $columns FROM traffic_aggregates WHERE bucket_start >= $since AND bucket_start < $($store.Until) AND (`$wrapper IS NULL OR wrapper = `$wrapper) AND (`$slot IS NULL OR slot = `$slot);"
    $now = "SELECT $columns FROM traffic_aggregates WHERE wrapper = `$wrapper AND slot = `$slot AND bucket_start >= $since AND bucket_start < $($store.Until);"
    if (-not $SkipSql) {
        $null = Measure-Sql $store.Db $now   # warm the page cache
        $b = @(1..$Rounds | ForEach-Object { Measure-Sql $store.Db $before })
        $n = @(1..$Rounds | ForEach-Object { Measure-Sql $store.Db $now })
        if ($b[0].Rows -ne $n[0].Rows) { throw "The two statements read different rows ($($b[0].Rows) and $($n[0].Rows))." }
    }
    $api = Measure-Api $store.Config
    [pscustomobject]@{
        Days            = $d
        TrafficRows     = [long](@('SELECT COUNT(*) FROM traffic_aggregates;') | sqlite3 $store.Db)
        StoreMiB        = [math]::Round((Get-Item $store.Db).Length / 1MB, 0)
        'Metric744h s'  = [math]::Round((Measure-Median { Get-WrapperMetric routellm -Slot blue -Hours 744 -ConfigPath $store.Config }), 3)
        'Metric24h s'   = [math]::Round((Measure-Median { Get-WrapperMetric routellm -Slot blue -Hours 24 -ConfigPath $store.Config }), 3)
        'SQL before s'  = if ($SkipSql) { $null } else { [math]::Round((($b.Seconds | Sort-Object)[[int][math]::Floor($Rounds / 2)]), 3) }
        'SQL keys s'    = if ($SkipSql) { $null } else { [math]::Round((($n.Seconds | Sort-Object)[[int][math]::Floor($Rounds / 2)]), 3) }
        'Get-SystemHealth s' = [math]::Round($api.System, 3)
        'API health ms' = [math]::Round(1000 * $api.Health, 1)
        'API 744h s'    = [math]::Round($api.Metrics, 3)
        'API series ms' = [math]::Round(1000 * $api.Series, 1)
    }
}

$rows | Format-Table -Property * -AutoSize | Out-String -Width 400 | Write-Host
if ($rows.Count -gt 1) {
    $first = $rows[0]; $last = $rows[-1]
    Write-Host ("    {0}-day / {1}-day: Metric744h {2:0.00}x, Metric24h {3:0.00}x, SQL keys {4:0.00}x (goal <= 1.5x); SQL before / keys at {0} days: {5:0.0}x" -f
        $last.Days, $first.Days, ($last.'Metric744h s' / $first.'Metric744h s'), ($last.'Metric24h s' / $first.'Metric24h s'),
        ($last.'SQL keys s' / [math]::Max($first.'SQL keys s', 0.001)), ($last.'SQL before s' / [math]::Max($last.'SQL keys s', 0.001)))
}
