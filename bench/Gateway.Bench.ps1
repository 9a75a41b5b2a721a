#Requires -Version 7.4

<#
.SYNOPSIS
    The traffic gateway's overhead and the API's health endpoint under a steady wrk load on loopback.

.DESCRIPTION
    Runs the same `wrk -t<T> -c<C> -d<D> --latency` load (after a short warm-up of each target) against:
      direct   the sandbox's routellm/blue instance, GET /health (latency set to 0 through the control API)
      nginx    an nginx reverse proxy (-NginxWorkers workers, by default nginx's own `auto`: one per core, as the gateway
               uses every core; upstream keepalive 64, no access log) in front of that same instance
      nginx-log  the same nginx also writing an access line per request, buffered (256 KiB, flushed every second) as
               the gateway writes its access.log: the like-for-like baseline
      yarp     YARP's direct forwarder alone (bench/BareYarp, built here): the gateway's library, HttpClient settings and
               runtime settings with none of its own work (no routing by wrapper, access log or traffic records). The
               gateway ÷ yarp ratio is what our code costs; yarp ÷ nginx is the library's own floor on this machine
      gateway  the service's gateway, GET /routellm/health (routed to the active slot, blue)
      api      the service's HTTPS API, GET /api/system/health with the API key (the key is sent from a
               temp-dir Lua script, never printed or put on a command line)
    -Rounds times (direct first, then the four proxies back to back, each of them first in turn; the API once, first).
    The gateway's first seconds of load are measured once on their own; then the two .NET proxies (gateway, yarp) are
    loaded for -InitialWarmupSeconds and the others for 10 s, so the rounds measure the service at steady state, after
    its tiered JIT has finished. It
    prints each target's median run with req/s, p50/p99 and the ratios the issue asks for:
      gateway req/s ÷ nginx req/s      goal ≥ 0.80 (the median of each round's own ratio), against both nginx setups
      gateway p99 − direct p99         goal ≤ 2 ms
    wrk, the servers and nginx all share this machine's cores; the figures are relative, not absolute.
    Needs `wrk` and `nginx` on PATH (Debian: apt-get install -y wrk nginx).
#>
param(
    [int] $Threads = 2,
    [int] $Connections = 32,
    # Short runs, many rounds: this VM's steal time slows whole stretches of seconds down, and the median of many
    # paired rounds is steadier than a few long ones (bench/README).
    [int] $DurationSeconds = 5,
    [int] $WarmupSeconds = 2,
    # Before round 1, the gateway and bare YARP are loaded this long once (nginx and direct 10 s), so the measured rounds
    # see them at steady state. The CPU per proxied request falls from ~64 µs in the first 10 s of load to ~40 µs after
    # 16 s, and the service, with far more code than bare YARP (its background work keeps its JIT busy), is still
    # catching up after 20 s: 0.92 of bare YARP's req/s then, 0.97 after 90 s (bench/README). A service runs for days;
    # its first seconds are measured and shown apart.
    [int] $InitialWarmupSeconds = 60,
    # direct and the proxies are measured this many times, alternating; the table shows each one's median.
    [int] $Rounds = 10,
    # nginx's worker_processes for both nginx proxies. `auto` (one per core) is nginx's packaged default and uses every
    # core as the gateway does; on 2 cores it gave ~12 % more req/s than 1 worker (bench/README), so it is the stronger
    # baseline. A number (1 was this script's setting until 2026-11-28) reproduces older figures.
    [ValidatePattern('^(auto|[1-9][0-9]?)$')]
    [string] $NginxWorkers = 'auto'
)

$ErrorActionPreference = 'Stop'
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}
$missing = @('wrk', 'nginx' | Where-Object { -not (Get-Command $_ -CommandType Application -ErrorAction SilentlyContinue) })
if ($missing) {
    throw "Gateway.Bench.ps1 needs $($missing -join ' and ') on PATH; on Debian: apt-get install -y wrk nginx"
}
$wrk = (Get-Command wrk -CommandType Application)[0].Source
$nginxExe = (Get-Command nginx -CommandType Application)[0].Source

# Secrets (tokens, the API key, an nginx.conf holding a token) go in files that are owner-only before anything is written.
function Write-OwnerOnlyFile([string] $Path, [string] $Value, [switch] $NoNewline) {
    New-Item -ItemType File -Path $Path | Out-Null
    [IO.File]::SetUnixFileMode($Path, [IO.UnixFileMode]'UserRead, UserWrite')
    Set-Content -LiteralPath $Path -Value $Value -NoNewline:$NoNewline
}

# Waits until a proxy we started answers GET /health; stops with its log when it exits first.
function Wait-Health([Diagnostics.Process] $Process, [string] $Name, [string] $Url, [int] $Seconds, [string] $LogPath) {
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while ($true) {
        if ($Process.HasExited) {
            $said = if ($LogPath) { ": $(Get-Content -Raw -LiteralPath $LogPath -ErrorAction SilentlyContinue)" }
            throw "$Name exited ($($Process.ExitCode))$said"
        }
        try { Invoke-RestMethod -Uri "$Url/health" -TimeoutSec 2 | Out-Null; return } catch {
            if ([DateTime]::UtcNow -gt $deadline) { throw "$Name did not answer on $Url/health: $_" }
            Start-Sleep -Milliseconds 100
        }
    }
}

function Get-FreePort {
    $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $l.Start()
    try { $l.LocalEndpoint.Port } finally { $l.Stop() }
}

function ConvertTo-Ms([string] $Value) {
    if ($Value -notmatch '^([0-9.]+)(us|ms|s|m|h)$') { throw "unexpected wrk latency '$Value'" }
    $n = [double]::Parse($Matches[1], [Globalization.CultureInfo]::InvariantCulture)
    switch ($Matches[2]) {
        'us' { $n / 1000 } 'ms' { $n } 's' { $n * 1000 } 'm' { $n * 60000 } 'h' { $n * 3600000 }
    }
}

function Invoke-Wrk([string] $Url, [int] $Seconds, [string] $Script, [switch] $Warmup) {
    $wrkArgs = @("-t$Threads", "-c$Connections", "-d$($Seconds)s", '--latency')
    if ($Script) { $wrkArgs += @('-s', $Script) }
    $out = & $wrk @wrkArgs $Url 2>&1 | Out-String
    if ($LASTEXITCODE -ne 0) { throw "wrk failed for $Url (exit $LASTEXITCODE):`n$out" }
    $inv = [Globalization.CultureInfo]::InvariantCulture
    if ($out -notmatch 'Requests/sec:\s+([0-9.]+)') { throw "no Requests/sec in wrk output for ${Url}:`n$out" }
    $rps = [double]::Parse($Matches[1], $inv)
    if ($out -notmatch '(?m)^\s+50%\s+(\S+)') { throw "no latency distribution in wrk output for ${Url}:`n$out" }
    $p50 = ConvertTo-Ms $Matches[1]
    if ($out -notmatch '(?m)^\s+99%\s+(\S+)') { throw "no p99 in wrk output for ${Url}:`n$out" }
    $p99 = ConvertTo-Ms $Matches[1]
    $requests = if ($out -match '(\d+) requests in') { [long]$Matches[1] } else { 0 }
    if ($requests -eq 0 -and -not $Warmup) { throw "wrk completed no request against ${Url}:`n$out" }
    $errors = 0L
    if ($out -match 'Non-2xx or 3xx responses:\s+(\d+)') { $errors += [long]$Matches[1] }
    if ($out -match 'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)') {
        $errors += [long]$Matches[1] + [long]$Matches[2] + [long]$Matches[3] + [long]$Matches[4]
    }
    [pscustomobject]@{ Rps = $rps; P50 = $p50; P99 = $p99; Requests = $requests; Errors = $errors }
}

Import-Module $manifest -Force
$root = Join-Path ([IO.Path]::GetTempPath()) ("ops-bench-gw-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$serviceConfig = Join-Path $root 'service-bench.json'
$sandbox = $null
$service = $null
$nginxProcesses = [Collections.Generic.List[Diagnostics.Process]]::new()
$bareYarp = $null
try {
    $sandbox = Start-OpsSandbox -Root $root -PassThru

    # The sandbox's configuration with the service on free ports.
    $config = Get-Content -Raw $sandbox.ConfigPath | ConvertFrom-Json -AsHashtable
    $config.service = @{ apiPort = 0; gatewayPort = 0 }
    $config.Remove('$schema')
    $config | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $serviceConfig

    # No simulated latency on the instance behind every target, so the proxies' own cost shows.
    $control = $sandbox.ControlUrl.AbsoluteUri.TrimEnd('/')
    Invoke-RestMethod -Method Post -Uri "$control/control/instances/routellm/blue" -ContentType 'application/json' `
        -Body '{"latencyMs":0,"latencyJitterMs":0}' | Out-Null
    $blue = @($sandbox.Instances | Where-Object { $_.Wrapper -eq 'routellm' -and $_.Slot -eq 'blue' })[0]
    $direct = ([uri]$blue.BaseUrl).AbsoluteUri.TrimEnd('/')
    if (([uri]$direct).Host -ne '127.0.0.1') { throw "sandbox instance is not on 127.0.0.1: $direct" }

    $service = Start-OpsService -ConfigPath $serviceConfig -PassThru -Confirm:$false
    $api = $service.ApiUrl.AbsoluteUri.TrimEnd('/')
    $gateway = $service.GatewayUrl.AbsoluteUri.TrimEnd('/')
    foreach ($u in $api, $gateway) {
        if (([uri]$u).Host -ne '127.0.0.1') { throw "service is not on 127.0.0.1: $u" }
    }

    # The wrappers require their token (Start-OpsSandbox manages one per wrapper). The gateway adds it itself; nginx
    # is configured to add it the same way, and wrk sends it to the instance directly — all from owner-only files.
    $token = Get-ManagedSecret -ConfigPath $sandbox.ConfigPath -Name routellm-token -AsPlainText
    $tokenLua = Join-Path $root 'wrapper-token.lua'
    Write-OwnerOnlyFile $tokenLua "wrk.headers[`"Authorization`"] = `"Bearer $token`""

    # Two nginx proxies in the foreground as our own children, everything under the temp dir, both -NginxWorkers workers with
    # upstream keepalive: "nginx" logs nothing; "nginx-log" also writes an access line per request, buffered (256 KiB, flushed
    # every second) as the gateway's access.log is: the same work as the gateway's logging, for a like-for-like figure.
    $upstreamPort = ([uri]$direct).Port
    function Start-NginxProxy([string] $Name, [switch] $AccessLog) {
        $dir = Join-Path $root $Name
        New-Item -ItemType Directory -Path $dir | Out-Null
        [IO.File]::SetUnixFileMode($dir, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        $port = Get-FreePort
        $conf = Join-Path $dir 'nginx.conf'
        $log = if ($AccessLog) { "access_log $dir/access.log combined buffer=256k flush=1s;" } else { 'access_log off;' }
        $text = @"
daemon off;
worker_processes $NginxWorkers;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
    $log
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    upstream u { server 127.0.0.1:$upstreamPort; keepalive 64; }
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://u;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Authorization "Bearer $token";
        }
    }
}
"@
        Write-OwnerOnlyFile $conf $text
        $psi = [Diagnostics.ProcessStartInfo]::new($nginxExe)
        foreach ($a in '-c', $conf, '-p', "$dir/", '-e', "$dir/error.log") { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $process = [Diagnostics.Process]::Start($psi)
        $nginxProcesses.Add($process)
        $url = "http://127.0.0.1:$port"
        Wait-Health $process "nginx ($Name)" $url 10 "$dir/error.log"
        $url
    }
    $nginxUrl = Start-NginxProxy 'nginx'
    $nginxLogUrl = Start-NginxProxy 'nginx-log' -AccessLog

    # The bare-YARP baseline, built from bench/BareYarp into the temp dir and run as the service runs (workstation GC,
    # socket completions inline); the token reaches it in an owner-only file.
    $dotnet = if ($env:DOTNET_HOST_PATH -and (Test-Path $env:DOTNET_HOST_PATH)) { $env:DOTNET_HOST_PATH } else { (Get-Command dotnet -CommandType Application)[0].Source }
    $bareDir = Join-Path $root 'bare-yarp'
    $buildOut = & $dotnet build (Join-Path $PSScriptRoot 'BareYarp/BareYarp.csproj') -c Release -o $bareDir --nologo -v:minimal 2>&1 | Out-String
    if ($LASTEXITCODE -ne 0) { throw "building bench/BareYarp failed:`n$buildOut" }
    $bareToken = Join-Path $root 'bare-yarp.token'
    Write-OwnerOnlyFile $bareToken $token -NoNewline
    $token = $null
    $barePort = Get-FreePort
    $psi = [Diagnostics.ProcessStartInfo]::new($dotnet)
    foreach ($a in (Join-Path $bareDir 'BareYarp.dll'), "$barePort", "$direct/", $bareToken) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.Environment['DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS'] = '1'
    $bareYarp = [Diagnostics.Process]::Start($psi)
    $bareUrl = "http://127.0.0.1:$barePort"
    Wait-Health $bareYarp 'bare YARP' $bareUrl 20

    # The API key goes in a Lua script in our owner-only temp dir, not on wrk's command line.
    $key = (Get-Content -Raw -LiteralPath $service.ApiKeyPath).Trim()
    $lua = Join-Path $root 'api-key.lua'
    Write-OwnerOnlyFile $lua "wrk.headers[`"X-Api-Key`"] = `"$key`""
    $key = $null

    # The API goes first: right after the gateway's load, wrk's 32 TLS connections got no answer from the
    # same service process for seconds (seen on this 2-core box), which would measure that stall instead.
    $targets = [ordered]@{
        api     = @{ Url = "$api/api/system/health"; Script = $lua }
        direct  = @{ Url = "$direct/health"; Script = $tokenLua }
        nginx   = @{ Url = "$nginxUrl/health"; Script = $null }
        'nginx-log' = @{ Url = "$nginxLogUrl/health"; Script = $null }
        yarp    = @{ Url = "$bareUrl/health"; Script = $null }
        gateway = @{ Url = "$gateway/routellm/health"; Script = $null }
    }
    $runs = [ordered]@{}
    foreach ($name in $targets.Keys) { $runs[$name] = [Collections.Generic.List[object]]::new() }
    $t = $targets.api
    Invoke-Wrk $t.Url $WarmupSeconds $t.Script -Warmup | Out-Null
    $runs.api.Add((Invoke-Wrk $t.Url $DurationSeconds $t.Script))

    # The gateway's first seconds of proxied load (its JIT still compiling), shown beside the steady-state figures.
    $cold = Invoke-Wrk $targets.gateway.Url $DurationSeconds $null
    $proxies = 'nginx', 'nginx-log', 'yarp', 'gateway'
    foreach ($name in @('direct') + $proxies) {
        $seconds = if ($name -in 'gateway', 'yarp') { $InitialWarmupSeconds } else { 10 }
        Invoke-Wrk $targets[$name].Url $seconds $targets[$name].Script -Warmup | Out-Null
    }

    for ($round = 1; $round -le $Rounds; $round++) {
        # The proxies run back to back in every round, each of them first in turn, so each round gives its own ratios
        # measured under the same load from whatever else shares this VM's cores.
        $shift = ($round - 1) % $proxies.Count
        $order = @('direct') + $proxies[$shift..($proxies.Count - 1)] + $(if ($shift) { $proxies[0..($shift - 1)] })
        foreach ($name in $order) {
            $t = $targets[$name]
            Invoke-Wrk $t.Url $WarmupSeconds $t.Script -Warmup | Out-Null
            $runs[$name].Add((Invoke-Wrk $t.Url $DurationSeconds $t.Script))
        }
    }

    # Each target's median run by req/s (its p50 and p99 are that run's).
    $results = [ordered]@{}
    foreach ($name in $targets.Keys) {
        $sorted = @($runs[$name] | Sort-Object Rps)
        $results[$name] = $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
        if ($name -ne 'api') {
            "{0,-9} req/s (p99 ms) per round: {1}" -f $name, (($runs[$name] | ForEach-Object { '{0:0} ({1:0.00})' -f $_.Rps, $_.P99 }) -join ', ')
        }
    }

    "wrk -t$Threads -c$Connections -d$($DurationSeconds)s --latency on 127.0.0.1, $($InitialWarmupSeconds)s warm-up of the gateway and bare YARP (10 s of the others) before round 1 and $($WarmupSeconds)s before each run, median of $Rounds round(s);" +
    " $([Environment]::ProcessorCount) cores shared by wrk, the sandbox, the service, bare YARP and the nginx proxies ($NginxWorkers worker(s) each)."
    $targets.Keys | ForEach-Object {
        $r = $results[$_]
        [pscustomobject]@{
            Target   = $_
            Url      = ($targets[$_].Url -replace ':\d+/', ':<port>/')
            'Req/s'  = [math]::Round($r.Rps, 0)
            'p50 ms' = [math]::Round($r.P50, 2)
            'p99 ms' = [math]::Round($r.P99, 2)
            Requests = $r.Requests
            Errors   = $r.Errors
        }
    } | Format-Table -AutoSize | Out-String -Width 220

    $d = $results.direct; $n = $results.nginx; $nl = $results.'nginx-log'; $g = $results.gateway; $a = $results.api
    # The headline ratios are the medians of the rounds' own gateway ÷ nginx ratios (each round's runs back to back); the
    # ratio of the two medians is shown beside them.
    function Get-PairedRatio([string] $Baseline, [string] $Of = 'gateway') {
        $paired = @(for ($i = 0; $i -lt $runs[$Of].Count; $i++) { $runs[$Of][$i].Rps / $runs[$Baseline][$i].Rps }) | Sort-Object
        "$Of ÷ $Baseline per round, sorted: $(($paired | ForEach-Object { $_.ToString('0.00', [Globalization.CultureInfo]::InvariantCulture) }) -join ', ')" | Out-Host
        $paired[[int][math]::Floor(($paired.Count - 1) / 2)]
    }
    $ratio = Get-PairedRatio 'nginx'
    $ratioLog = Get-PairedRatio 'nginx-log'
    $ratioYarp = Get-PairedRatio 'yarp'
    $yarpNginx = Get-PairedRatio 'nginx' -Of 'yarp'

    $gwP99 = $g.P99 - $d.P99
    $ngP99 = $n.P99 - $d.P99
    $inv = [Globalization.CultureInfo]::InvariantCulture
    @(
        [pscustomobject]@{ Measure = 'gateway req/s ÷ nginx req/s (median of the rounds)'; Value = $ratio.ToString('0.00', $inv); Goal = '≥ 0.80'; Verdict = $(if ($ratio -ge 0.80) { 'PASS' } else { 'MISS' }) }
        [pscustomobject]@{ Measure = 'gateway median ÷ nginx median'; Value = ($g.Rps / $n.Rps).ToString('0.00', $inv); Goal = ''; Verdict = '' }
        [pscustomobject]@{ Measure = 'gateway req/s ÷ nginx-log req/s (median of the rounds; both log each request)'; Value = $ratioLog.ToString('0.00', $inv); Goal = '≥ 0.80'; Verdict = $(if ($ratioLog -ge 0.80) { 'PASS' } else { 'MISS' }) }
        [pscustomobject]@{ Measure = 'gateway median ÷ nginx-log median'; Value = ($g.Rps / $nl.Rps).ToString('0.00', $inv); Goal = ''; Verdict = '' }
        [pscustomobject]@{ Measure = 'gateway req/s ÷ bare YARP req/s (median of the rounds; our own cost)'; Value = $ratioYarp.ToString('0.00', $inv); Goal = ''; Verdict = '' }
        [pscustomobject]@{ Measure = 'bare YARP req/s ÷ nginx req/s (median of the rounds; the library floor)'; Value = $yarpNginx.ToString('0.00', $inv); Goal = ''; Verdict = '' }
        [pscustomobject]@{ Measure = 'gateway p99 − direct p99 (ms)'; Value = $gwP99.ToString('0.00', $inv); Goal = '≤ 2'; Verdict = $(if ($gwP99 -le 2) { 'PASS' } else { 'MISS' }) }
        [pscustomobject]@{ Measure = 'gateway req/s ÷ direct req/s'; Value = ($g.Rps / $d.Rps).ToString('0.00', $inv); Goal = ''; Verdict = '' }
        [pscustomobject]@{ Measure = "gateway's first $($DurationSeconds) s of load ÷ nginx median"; Value = ($cold.Rps / $n.Rps).ToString('0.00', $inv); Goal = ''; Verdict = '' }
        [pscustomobject]@{ Measure = 'nginx req/s ÷ direct req/s'; Value = ($n.Rps / $d.Rps).ToString('0.00', $inv); Goal = ''; Verdict = '' }
        [pscustomobject]@{ Measure = 'nginx-log req/s ÷ nginx req/s'; Value = ($nl.Rps / $n.Rps).ToString('0.00', $inv); Goal = ''; Verdict = '' }
        [pscustomobject]@{ Measure = 'nginx p99 − direct p99 (ms)'; Value = $ngP99.ToString('0.00', $inv); Goal = ''; Verdict = '' }
        [pscustomobject]@{ Measure = 'api /api/system/health req/s, p99 (ms)'; Value = "$([math]::Round($a.Rps, 0)), $($a.P99.ToString('0.00', $inv))"; Goal = ''; Verdict = '' }
    ) | Format-Table -AutoSize | Out-String -Width 220
    if (($results.Values | Measure-Object Errors -Sum).Sum -gt 0) {
        'WARNING: some targets answered with errors (non-2xx/3xx or socket errors); their figures are suspect.'
    }
}
finally {
    foreach ($nginx in $nginxProcesses) {
        if (-not $nginx.HasExited) {
            & kill -QUIT $nginx.Id 2>$null   # graceful: the master stops its workers
            if (-not $nginx.WaitForExit(5000)) { $nginx.Kill($true) }
        }
        $nginx.Dispose()
    }
    if ($bareYarp) {
        if (-not $bareYarp.HasExited) { $bareYarp.Kill($true); $bareYarp.WaitForExit(5000) | Out-Null }
        $bareYarp.Dispose()
    }
    if ($service) { Stop-OpsService -ConfigPath $serviceConfig -Confirm:$false -ErrorAction SilentlyContinue }
    if ($sandbox) { Stop-OpsSandbox -Root $root -ErrorAction SilentlyContinue }
    Remove-Item -Recurse -Force -LiteralPath $root -ErrorAction SilentlyContinue
}
