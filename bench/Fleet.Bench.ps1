#Requires -Version 7.4

<#
.SYNOPSIS
    A fleet of a hundred wrappers: how long the sandbox takes to start with a token for each, one live probe round of
    every wrapper in both slots, Get-SystemHealth, the dashboard's first load and refresh against the running
    service, and one alert evaluation round (healthy, and with every active wrapper failing), beside the same at the
    default three.

.DESCRIPTION
    Starts Start-OpsSandbox -Wrappers 3 and then -Wrappers 100 (each under its own temporary root, stopped in a
    finally). For each, after the start, it gives the store the hour a running service leaves in it: -WindowRounds
    probe rounds of the whole fleet (real probes of the sandbox, as the monitor loop makes them, on an engine whose
    clock stamps them one interval apart, the newest one interval ago; by default as many as one health window holds,
    which is what every read of a running service meets). Then it times, median of -Rounds after one warm-up:

      Probe round         Get-WrapperHealth -Live (2N probes, then every wrapper's health over the window)
      Get-SystemHealth    on the stored results
      Dashboard first     what the dashboard's page (Dashboard/Assets/index.html, app.js) loads before it can draw,
                          in its order, on a new HTTPS connection: the page; its style, script and icon;
                          /api/dashboard/config; then one refresh
      Refresh             what app.js repeats every refresh_seconds, on a warm connection: /api/system/health,
                          /api/alerts and /api/logs/tail (monitoring, 200 lines) beside /api/wrappers/health, and once
                          that has answered, /api/wrappers/<name>/series for every wrapper it listed, all at once
      Alert round         what the service's monitor loop does after its probes (MonitorLoop.ExecuteAsync): the
                          active slot, its wrappers' health from the store, configuration drift, the system signals and
                          AlertService.EvaluateAsync, on an engine this script opens on the sandbox's configuration
                          through the module's own Orchestrator.Ops.Core; each timed round follows an untimed
                          ProbeAllAsync, as in the loop
      Outage alert round  the same once every wrapper of the active slot answers errors (the sandbox's errorRate 1.0)
                          and the rounds since have opened all the alerts they will (the open count held for two rounds)

    The dashboard runs against Start-OpsService on the sandbox's configuration (API and gateway on free loopback
    ports), through the module's client that pins the service's certificate, over HTTP/2 as a browser negotiates it,
    with the API key the service wrote. The service is stopped before the outage. Prints the figures, each dashboard
    request alone (median on the warm connection) and the alert round's parts, then the 100 / 3 ratios and issue 19's
    goals at 100 wrappers: Get-SystemHealth and one alert round under 1 s warm. (A probe round within 1.3x of a hanging
    endpoint's budget is ProbeFanout.Bench.ps1's.)
#>
param(
    [int] $Rounds = 5,
    # Comma-separated (pwsh -File passes "3,100" as one string).
    [string] $Sizes = '3,100',
    # Probe rounds of the whole fleet in the store before anything is timed. -1: a full health window
    # (healthChecks.windowMinutes / intervalSeconds: 120 with the sandbox's 60 min and 30 s). 0: none, only the
    # bench's own rounds, as the first figures (bench/README, before the dashboard and alert columns) were taken.
    [int] $WindowRounds = -1
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}
Import-Module $manifest
$env:ORCHESTRATOR_OPS_CONFIG = $null
$none = [Threading.CancellationToken]::None
$script:Requests = 0; $script:Bytes = 0L; $script:Versions = @{}

function Get-Median([double[]] $Times) {
    ($Times | Sort-Object)[[int][math]::Floor($Times.Count / 2)]
}

function Measure-Median([scriptblock] $Action) {
    & $Action | Out-Null
    Get-Median @(foreach ($i in 1..$Rounds) { (Measure-Command { & $Action | Out-Null }).TotalSeconds })
}

# A type of the engine, from the module's own load context (the assembly is there once a cmdlet has run).
function Get-CoreType([string] $Name) {
    $core = [Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object Assemblies |
        Where-Object { $_.GetName().Name -eq 'Orchestrator.Ops.Core' } | Select-Object -First 1
    if (-not $core) { throw 'The engine assembly is not loaded; run a cmdlet first.' }
    $core.GetType($Name, $true)
}

# The task's result as it is (a list stays one object, not its items).
function Wait-Task($Task) { , $Task.GetAwaiter().GetResult() }

# ---------------------------------------------------------------- the engine: probe rounds and alert rounds

# Opens an engine of our own on the configuration (on the given clock, else the system's), runs the script block with
# it, and closes it.
function Use-Engine([string] $ConfigPath, [scriptblock] $Action, [TimeProvider] $Time) {
    $config = (Get-CoreType 'Orchestrator.Ops.Core.Configuration.OpsConfigLoader')::Load($ConfigPath)
    $options = (Get-CoreType 'Orchestrator.Ops.Core.OpsEngineOptions')::new()
    if ($Time) { $options.Time = $Time }
    $engine = Wait-Task ((Get-CoreType 'Orchestrator.Ops.Core.OpsEngine')::OpenAsync($config, $options, $none))
    try { & $Action $engine }
    finally { $null = Wait-Task ($engine.DisposeAsync().AsTask()) }
}

function Get-Quiet { (Get-CoreType 'Orchestrator.Ops.Core.Reporting.NullReporter')::Instance }

# A clock whose "now" the script sets; timers, delays and elapsed times stay the system's (TimeProvider's defaults).
Add-Type -TypeDefinition @'
using System;
using System.Threading;

public sealed class FleetBenchClock : TimeProvider
{
    private long _ticks;
    public DateTimeOffset At
    {
        get => new DateTimeOffset(Interlocked.Read(ref _ticks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _ticks, value.UtcTicks);
    }
    public override DateTimeOffset GetUtcNow() => At;
}
'@

# The hour a running service leaves in the store: -Count probe rounds of the whole fleet as its monitor loop makes them
# (ProbeAllAsync, real probes of the sandbox), each stamped one interval after the one before, the last one interval ago.
function Add-ProbeRounds([string] $ConfigPath, [int] $Count, [TimeSpan] $Interval) {
    $clock = [FleetBenchClock]::new()
    $end = [DateTimeOffset]::UtcNow
    Use-Engine $ConfigPath -Time $clock {
        param($engine)
        $quiet = Get-Quiet
        for ($i = 0; $i -lt $Count; $i++) {
            $clock.At = $end - [TimeSpan]::FromTicks($Interval.Ticks * ($Count - $i))
            $null = Wait-Task ($engine.Health.ProbeAllAsync($quiet, $none))
        }
    }
}

# One monitor round as MonitorLoop.ExecuteAsync runs it: ProbeAllAsync (untimed), then the alert round, each part timed.
function Invoke-MonitorRound($Engine, $Drift) {
    $quiet = Get-Quiet
    $null = Wait-Task ($Engine.Health.ProbeAllAsync($quiet, $none))
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $active = Wait-Task ($Engine.Health.GetActiveSlotAsync($none))
    $health = Wait-Task ($Engine.Health.GetWrapperHealthAsync($null, $active, $false, $quiet, $none))
    $read = $watch.Elapsed.TotalSeconds
    $drifted = (Wait-Task ($Engine.Deployment.GetDriftAsync($none))).Item2
    $system = $Engine.Resources.SampleSignals($Drift.HasDrifted() -or $drifted.Count -gt 0)
    $signals = $watch.Elapsed.TotalSeconds
    $transitions = Wait-Task ($Engine.Alerts.EvaluateAsync($health, $system, $none))
    $total = $watch.Elapsed.TotalSeconds
    [pscustomobject]@{ Round = $total; Health = $read; Signals = $signals - $read; Evaluate = $total - $signals; Transitions = $transitions.Count }
}

# The alert round, median of -Rounds after one warm-up; with -Outage, once every wrapper of the active slot fails and
# the rounds since have opened every alert they will.
function Measure-AlertRound([string] $ConfigPath, $Sandbox, [switch] $Outage) {
    Use-Engine $ConfigPath {
        param($engine)
        $drift = (Get-CoreType 'Orchestrator.Ops.Core.Configuration.ConfigDriftDetector')::new($engine.Config.SourcePath)
        $open = { (Wait-Task ($engine.Alerts.GetAsync((Get-CoreType 'Orchestrator.Ops.Core.State.AlertQuery')::Open, $none))).Count }
        $settle = 0
        if ($Outage) {
            $active = Wait-Task ($engine.Health.GetActiveSlotAsync($none))
            $control = $Sandbox.ControlUrl.AbsoluteUri.TrimEnd('/')
            if (([uri]$control).Host -ne '127.0.0.1') { throw "the sandbox's control API is not on 127.0.0.1: $control" }
            foreach ($i in @($Sandbox.Instances | Where-Object Slot -eq $active)) {
                Invoke-RestMethod -Method Post -Uri "$control/control/instances/$($i.Wrapper)/$($i.Slot)" -ContentType 'application/json' `
                    -Body '{"errorRate":1.0}' | Out-Null
            }
            $counts = [Collections.Generic.List[int]]::new()
            while ($counts.Count -lt 3 -or $counts[-1] -ne $counts[-2] -or $counts[-2] -ne $counts[-3] -or $counts[-1] -eq 0) {
                if ($counts.Count -ge 200) { throw "the outage's open alerts did not settle in 200 rounds: $($counts -join ', ')" }
                $null = Invoke-MonitorRound $engine $drift
                $counts.Add((& $open))
            }
            $settle = $counts.Count
        }
        $null = Invoke-MonitorRound $engine $drift
        $rounds = @(foreach ($i in 1..$Rounds) { Invoke-MonitorRound $engine $drift })
        [pscustomobject]@{
            Round       = Get-Median $rounds.Round
            Health      = Get-Median $rounds.Health
            Signals     = Get-Median $rounds.Signals
            Evaluate    = Get-Median $rounds.Evaluate
            Transitions = [int]($rounds.Transitions | Measure-Object -Sum).Sum
            Open        = & $open
            Settle      = $settle
        }
    }
}

# ---------------------------------------------------------------- the dashboard, as app.js loads and refreshes it

# A GET as the page sends it; the task completes once the whole body is in.
function Send-Get($Client, [string] $Path, [switch] $Api) {
    $request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::Get, "$script:ApiBase$Path")
    # HTTP/2 when the server offers it (ALPN), as a browser asks over TLS.
    $request.Version = [Net.HttpVersion]::Version20
    $request.VersionPolicy = [Net.Http.HttpVersionPolicy]::RequestVersionOrLower
    if ($Api) {
        $request.Headers.Add('X-Api-Key', $script:ApiKey)
        $request.Headers.Add('Accept', 'application/json')
    }
    $Client.SendAsync($request)
}

function Complete-Get([Threading.Tasks.Task[]] $Tasks) {
    [Threading.Tasks.Task]::WaitAll($Tasks)
    foreach ($t in $Tasks) {
        $r = $t.Result
        if (-not $r.IsSuccessStatusCode) { throw "$($r.RequestMessage.RequestUri.AbsolutePath) answered HTTP $([int]$r.StatusCode)" }
        $script:Requests++
        $script:Bytes += $r.Content.ReadAsByteArrayAsync().Result.Length
        $script:Versions[$r.Version.ToString()] = $true
    }
    $Tasks | ForEach-Object { $_.Result }
}

function Get-Data($Response) {
    [Text.Json.JsonDocument]::Parse($Response.Content.ReadAsStringAsync().Result).RootElement.GetProperty('data')
}

function Get-SeriesPath([string] $Name, $Settings) {
    "/api/wrappers/$([uri]::EscapeDataString($Name))/series?minutes=$($Settings.Minutes)&step=$($Settings.Step)"
}

# refresh() in app.js: overview, wrappers (then every wrapper's series), alerts and the log tail, all at once.
function Invoke-DashboardRefresh($Client, $Settings) {
    $others = @(
        Send-Get $Client '/api/system/health' -Api
        Send-Get $Client '/api/alerts' -Api
        Send-Get $Client '/api/logs/tail?log=monitoring&lines=200' -Api
    )
    $wrappers = Complete-Get @(Send-Get $Client '/api/wrappers/health' -Api)
    $names = @((Get-Data $wrappers).EnumerateObject() | ForEach-Object Name | Sort-Object)
    $series = @(foreach ($n in $names) { Send-Get $Client (Get-SeriesPath $n $Settings) -Api })
    $null = Complete-Get ($others + $series)
    , $names
}

# The page's first load on a new connection: index.html, then its style, script and icon, then start(): the
# dashboard's settings and the first refresh.
function Invoke-DashboardFirstLoad {
    $client = & $script:NewClient
    try {
        $null = Complete-Get @(Send-Get $client '/')
        $null = Complete-Get @(Send-Get $client '/dashboard/app.css'; Send-Get $client '/dashboard/app.js'; Send-Get $client '/dashboard/favicon.svg')
        $config = Get-Data (Complete-Get @(Send-Get $client '/api/dashboard/config' -Api))
        $settings = @{ Minutes = $config.GetProperty('chart_minutes').GetInt32(); Step = $config.GetProperty('chart_step_seconds').GetInt32() }
        $null = Invoke-DashboardRefresh $client $settings
        $settings
    }
    finally { $client.Dispose() }
}

function Measure-Timed([scriptblock] $Action) {
    $script:Requests = 0; $script:Bytes = 0L
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $result = & $Action
    [pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; Requests = $script:Requests; Bytes = $script:Bytes; Result = $result }
}

function Measure-Dashboard($Service) {
    $script:ApiBase = $Service.ApiUrl.AbsoluteUri.TrimEnd('/')
    if (([uri]$script:ApiBase).Host -ne '127.0.0.1') { throw "service is not on 127.0.0.1: $script:ApiBase" }
    $script:ApiKey = (Get-Content -Raw -LiteralPath $Service.ApiKeyPath).Trim()
    $launcher = Get-CoreType 'Orchestrator.Ops.Core.ServiceProcess.OpsServiceLauncher'
    # The module's own client: it trusts exactly the certificate the service announced.
    $script:NewClient = { $launcher::CreateClient($Service) }.GetNewClosure()
    $script:Versions = @{}
    try {
        $null = Invoke-DashboardFirstLoad
        $first = @(foreach ($i in 1..$Rounds) { Measure-Timed { Invoke-DashboardFirstLoad } })
        $settings = $first[-1].Result
        $client = & $script:NewClient
        try {
            $names = Invoke-DashboardRefresh $client $settings
            $refresh = @(foreach ($i in 1..$Rounds) { Measure-Timed { Invoke-DashboardRefresh $client $settings } })
            # Each request alone on the same warm connection, and the series of every wrapper at once.
            $alone = [ordered]@{
                '/ (index.html)'               = { Complete-Get @(Send-Get $client '/') }
                '/dashboard/app.js'            = { Complete-Get @(Send-Get $client '/dashboard/app.js') }
                '/api/dashboard/config'        = { Complete-Get @(Send-Get $client '/api/dashboard/config' -Api) }
                '/api/system/health'           = { Complete-Get @(Send-Get $client '/api/system/health' -Api) }
                '/api/wrappers/health'         = { Complete-Get @(Send-Get $client '/api/wrappers/health' -Api) }
                '/api/alerts'                  = { Complete-Get @(Send-Get $client '/api/alerts' -Api) }
                '/api/logs/tail (200 lines)'   = { Complete-Get @(Send-Get $client '/api/logs/tail?log=monitoring&lines=200' -Api) }
                '/api/wrappers/<one>/series'   = { Complete-Get @(Send-Get $client (Get-SeriesPath $names[0] $settings) -Api) }
                'every series at once'         = { Complete-Get @(foreach ($n in $names) { Send-Get $client (Get-SeriesPath $n $settings) -Api }) }
            }
            $requests = [ordered]@{}
            foreach ($name in $alone.Keys) {
                $action = $alone[$name]
                $null = & $action
                $runs = @(foreach ($i in 1..$Rounds) { Measure-Timed $action })
                $requests[$name] = [pscustomobject]@{ Seconds = Get-Median $runs.Seconds; KiB = $runs[-1].Bytes / 1KB }
            }
        }
        finally { $client.Dispose() }
        [pscustomobject]@{
            First           = Get-Median $first.Seconds
            FirstRequests   = $first[-1].Requests
            FirstKiB        = $first[-1].Bytes / 1KB
            Refresh         = Get-Median $refresh.Seconds
            RefreshRequests = $refresh[-1].Requests
            RefreshKiB      = $refresh[-1].Bytes / 1KB
            Charts          = $names.Count
            Http            = ($script:Versions.Keys | Sort-Object) -join ','
            Alone           = $requests
        }
    }
    finally { $script:ApiKey = $null }
}

# ---------------------------------------------------------------- each fleet size

$results = foreach ($n in @($Sizes -split ',' | ForEach-Object { [int]$_.Trim() })) {
    $root = Join-Path ([IO.Path]::GetTempPath()) "orchestrator-ops-bench-fleet-$n-$PID"
    $serviceConfig = Join-Path $root 'service-bench.json'
    $service = $null
    try {
        $start = Measure-Command { $sandbox = Start-OpsSandbox -Root $root -Wrappers $n -PassThru }
        $config = $sandbox.ConfigPath
        $json = Get-Content -Raw $config | ConvertFrom-Json -AsHashtable
        $fill = $WindowRounds
        if ($fill -lt 0) { $fill = [int][math]::Ceiling($json.healthChecks.windowMinutes * 60 / $json.healthChecks.intervalSeconds) }
        Add-ProbeRounds $config $fill ([TimeSpan]::FromSeconds($json.healthChecks.intervalSeconds))
        $probe = Measure-Median { Get-WrapperHealth -Live -ConfigPath $config }
        $system = Measure-Median { Get-SystemHealth -ConfigPath $config }
        $healthy = @(Get-WrapperHealth -ConfigPath $config | Where-Object Status -eq 'Healthy').Count

        # The service on the sandbox's configuration, on free ports (as the Pester service tests start it).
        $json.service = @{ apiPort = 0; gatewayPort = 0 }
        $json.Remove('$schema')
        $json | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $serviceConfig
        $service = Start-OpsService -ConfigPath $serviceConfig -PassThru -Confirm:$false
        $dashboard = Measure-Dashboard $service
        if ($dashboard.Charts -ne $n) { throw "the dashboard listed $($dashboard.Charts) wrapper(s), not $n" }
        Stop-OpsService -ConfigPath $serviceConfig -Confirm:$false
        $service = $null

        # Alert rounds on an engine of our own, with the service stopped (its monitor loop would evaluate the same alerts).
        $alerts = Measure-AlertRound $config
        $outage = Measure-AlertRound $config $sandbox -Outage

        [pscustomobject]@{
            Wrappers  = $n
            Instances = $sandbox.Instances.Count
            Window    = $fill
            Start     = $start.TotalSeconds
            Probe     = $probe
            System    = $system
            Dashboard = $dashboard
            Alerts    = $alerts
            Outage    = $outage
            Healthy   = $healthy
        }
    }
    finally {
        if ($service) { Stop-OpsService -ConfigPath $serviceConfig -Confirm:$false -ErrorAction SilentlyContinue }
        Stop-OpsSandbox -Root $root -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
    }
}

# ---------------------------------------------------------------- report

# A table whose columns are right-aligned (numbers as text keep their decimals), but for those named.
function Format-Right([object[]] $Rows, [string[]] $Left = @()) {
    $columns = foreach ($name in $Rows[0].PSObject.Properties.Name) {
        @{ Name = $name; Expression = [scriptblock]::Create("`$_.'$name'"); Alignment = $(if ($name -in $Left) { 'Left' } else { 'Right' }) }
    }
    $Rows | Format-Table -AutoSize -Property $columns | Out-String -Width 250 | Write-Host
}

$s3 = { param($v) '{0:0.000}' -f $v }
Format-Right @($results | ForEach-Object {
    [pscustomobject]@{
        Wrappers             = $_.Wrappers
        Instances            = $_.Instances
        'Window rounds'      = $_.Window
        'Start s'            = '{0:0.00}' -f $_.Start
        'Probe round s'      = & $s3 $_.Probe
        'Get-SystemHealth s' = & $s3 $_.System
        'Dashboard first s'  = & $s3 $_.Dashboard.First
        'Refresh s'          = & $s3 $_.Dashboard.Refresh
        'Alert round s'      = & $s3 $_.Alerts.Round
        'Outage alert round s' = & $s3 $_.Outage.Round
        Healthy              = $_.Healthy
    }
})

Write-Host '    Dashboard: requests and KiB (bodies as received) per first load / refresh; each request alone, median s on a warm connection:'
$results | ForEach-Object {
    $d = $_.Dashboard
    $line = [ordered]@{ Wrappers = $_.Wrappers; HTTP = $d.Http; 'First load' = '{0} req, {1:0} KiB' -f $d.FirstRequests, $d.FirstKiB; Refresh = '{0} req, {1:0} KiB' -f $d.RefreshRequests, $d.RefreshKiB }
    foreach ($k in $d.Alone.Keys) { $line[$k] = '{0:0.000} ({1:0.#} KiB)' -f $d.Alone[$k].Seconds, $d.Alone[$k].KiB }
    [pscustomobject]$line
} | Format-List | Out-String -Width 250 | Write-Host

Write-Host '    Alert round parts, median s (health: active slot and its wrappers from the store; signals: drift, CPU, memory, disk; evaluate: AlertService.EvaluateAsync):'
Format-Right -Left Fleet @($results | ForEach-Object {
    foreach ($kind in 'Alerts', 'Outage') {
        $a = $_.$kind
        [pscustomobject]@{
            Wrappers       = $_.Wrappers
            Fleet          = $(if ($kind -eq 'Outage') { "active slot failing ($($a.Settle) rounds to settle)" } else { 'healthy' })
            'Round s'      = & $s3 $a.Round
            'Health s'     = & $s3 $a.Health
            'Signals s'    = & $s3 $a.Signals
            'Evaluate s'   = & $s3 $a.Evaluate
            'Open alerts'  = $a.Open
            Transitions    = $a.Transitions
        }
    }
})

if ($results.Count -gt 1) {
    $first = $results[0]; $last = $results[-1]
    $x = { param($a, $b) $a / [math]::Max($b, 0.0005) }
    Write-Host ("    {0} / {1} wrappers: start {2:0.0}x, probe round {3:0.0}x, Get-SystemHealth {4:0.0}x, dashboard first load {5:0.0}x, refresh {6:0.0}x, alert round {7:0.0}x, outage alert round {8:0.0}x" -f
        $last.Wrappers, $first.Wrappers, (& $x $last.Start $first.Start), (& $x $last.Probe $first.Probe), (& $x $last.System $first.System),
        (& $x $last.Dashboard.First $first.Dashboard.First), (& $x $last.Dashboard.Refresh $first.Dashboard.Refresh),
        (& $x $last.Alerts.Round $first.Alerts.Round), (& $x $last.Outage.Round $first.Outage.Round))
}
$goal = $results | Where-Object Wrappers -ge 100 | Select-Object -Last 1
if ($goal) {
    foreach ($g in @(@{ Name = 'Get-SystemHealth'; Value = $goal.System }, @{ Name = 'one alert round'; Value = $goal.Alerts.Round }, @{ Name = 'one alert round in the outage'; Value = $goal.Outage.Round })) {
        Write-Host ("    Goal at {0} wrappers, {1} under 1 s warm: {2:0.000} s, {3}" -f $goal.Wrappers, $g.Name, $g.Value, $(if ($g.Value -lt 1) { 'PASS' } else { 'MISS' }))
    }
}
