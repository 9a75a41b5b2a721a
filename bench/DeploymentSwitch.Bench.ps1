#Requires -Version 7.4

<#
.SYNOPSIS
    Blue-green switches under a steady wrk load through the gateway: failed requests, and the time from a switch to
    the first response from the new slot.

.DESCRIPTION
    Starts a sandbox and the service (API and gateway on free loopback ports), sets both routellm instances' simulated
    latency to 0, runs `wrk -t<T> -c<C>` against the gateway's /routellm/health for the whole run, and meanwhile:
      - a watcher thread GETs /routellm/health through the gateway in a tight loop, noting when each version answers;
      - the script switches slots <Switches> times (alternating green/blue) with
        Switch-DeploymentSlot -SkipHealthGate -AnalysisDuration 0, each time measuring from the moment the router
        reported the switch done (the result's SwitchedAt) to the watcher's first response from the new slot's version.
    Prints the failed requests (wrk's non-2xx and socket errors, plus the watcher's) — goal 0 — and p50/p99/max of the
    switch-to-new-slot time — goal p99 < 1 s. Also the command's own duration (lock, rollback point, router, journal).
    Needs `wrk` on PATH (Debian: apt-get install -y wrk).
#>
param(
    [int] $Switches = 20,
    [int] $Threads = 2,
    [int] $Connections = 16,
    [int] $PauseMs = 500
)

$ErrorActionPreference = 'Stop'
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}
$wrkCommand = Get-Command wrk -CommandType Application -ErrorAction SilentlyContinue
if (-not $wrkCommand) { throw 'DeploymentSwitch.Bench.ps1 needs wrk on PATH; on Debian: apt-get install -y wrk' }

Import-Module $manifest -Force
$root = Join-Path ([IO.Path]::GetTempPath()) ("ops-bench-switch-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$sandbox = $null
$service = $null
$wrk = $null
$watcher = $null
$stop = [System.Threading.CancellationTokenSource]::new()
try {
    $sandbox = Start-OpsSandbox -Root $root -PassThru
    $configPath = $sandbox.ConfigPath
    $config = Get-Content -Raw $configPath | ConvertFrom-Json -AsHashtable
    $config.service = @{ apiPort = 0; gatewayPort = 0 }
    $config | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $configPath
    $control = $sandbox.ControlUrl.AbsoluteUri.TrimEnd('/')
    foreach ($slot in 'blue', 'green') {
        Invoke-RestMethod -Method Post -Uri "$control/control/instances/routellm/$slot" -ContentType 'application/json' `
            -Body '{"latencyMs":0,"latencyJitterMs":0}' | Out-Null
    }

    $service = Start-OpsService -ConfigPath $configPath -PassThru -Confirm:$false
    $gateway = $service.GatewayUrl.AbsoluteUri.TrimEnd('/')
    if (([uri]$gateway).Host -ne '127.0.0.1') { throw "gateway is not on 127.0.0.1: $gateway" }
    $url = "$gateway/routellm/health"
    $versions = @{ blue = '1.0.0'; green = '1.1.0' }

    # The watcher: (timestamp, version) of every answer, in a thread of this process so timestamps compare.
    $seen = [System.Collections.Concurrent.ConcurrentQueue[object]]::new()
    $watcherErrors = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
    $token = $stop.Token
    $watcher = Start-ThreadJob -ScriptBlock {
        $client = [System.Net.Http.HttpClient]::new([System.Net.Http.SocketsHttpHandler]@{ UseProxy = $false })
        $t = $using:token
        while (-not $t.IsCancellationRequested) {
            try {
                $r = $client.GetAsync($using:url).GetAwaiter().GetResult()
                $body = $r.Content.ReadAsStringAsync().GetAwaiter().GetResult()
                if (-not $r.IsSuccessStatusCode) { ($using:watcherErrors).Enqueue("$([int]$r.StatusCode)"); continue }
                $v = ($body | ConvertFrom-Json).version
                ($using:seen).Enqueue([pscustomobject]@{ At = [DateTimeOffset]::UtcNow; Version = $v })
            }
            catch { ($using:watcherErrors).Enqueue($_.Exception.Message) }
        }
        $client.Dispose()
    }

    # wrk for longer than the switches take; stopped (SIGINT-like: it prints its summary on duration end) by -d.
    $seconds = [int][Math]::Ceiling($Switches * ($PauseMs + 1500) / 1000) + 5
    $out = Join-Path $root 'wrk.txt'
    $psi = [Diagnostics.ProcessStartInfo]::new($wrkCommand[0].Source)
    foreach ($a in "-t$Threads", "-c$Connections", "-d$($seconds)s", $url) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $wrk = [Diagnostics.Process]::Start($psi)
    $wrkOutput = $wrk.StandardOutput.ReadToEndAsync()
    Start-Sleep -Seconds 2

    $rows = [System.Collections.Generic.List[object]]::new()
    $slot = 'blue'
    for ($i = 1; $i -le $Switches; $i++) {
        $slot = if ($slot -eq 'blue') { 'green' } else { 'blue' }
        $t0 = [System.Diagnostics.Stopwatch]::GetTimestamp()
        $r = Switch-DeploymentSlot $slot -ConfigPath $configPath -SkipHealthGate -AnalysisDuration 0 -Confirm:$false
        $t1 = [System.Diagnostics.Stopwatch]::GetTimestamp()
        if ("$($r.Outcome)" -ne 'Switched') { throw "switch $i to $slot ended $($r.Outcome): $($r.Reason)" }
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        $first = $null
        while (-not $first) {
            $first = @($seen.ToArray() | Where-Object { $_.At -gt $r.SwitchedAt -and $_.Version -eq $versions[$slot] } | Select-Object -First 1)[0]
            if (-not $first) {
                if ([DateTime]::UtcNow -gt $deadline) { throw "no response from $slot within 10 s of switch $i" }
                Start-Sleep -Milliseconds 5
            }
        }
        $rows.Add([pscustomobject]@{
            Switch = $i; To = $slot
            CommandMs = [Math]::Round([System.Diagnostics.Stopwatch]::GetElapsedTime($t0, $t1).TotalMilliseconds, 1)
            ToNewSlotMs = [Math]::Round(($first.At - $r.SwitchedAt).TotalMilliseconds, 1)
        })
        Start-Sleep -Milliseconds $PauseMs
    }

    $wrk.WaitForExit()
    $text = $wrkOutput.GetAwaiter().GetResult()
    $stop.Cancel()
    $watcher | Wait-Job | Out-Null
    $wrkErrors = 0L
    if ($text -match 'Non-2xx or 3xx responses:\s+(\d+)') { $wrkErrors += [long]$Matches[1] }
    if ($text -match 'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)') {
        $wrkErrors += [long]$Matches[1] + [long]$Matches[2] + [long]$Matches[3] + [long]$Matches[4]
    }
    $requests = if ($text -match '(\d+) requests in') { [long]$Matches[1] } else { 0 }
    if ($requests -eq 0) { throw "wrk completed no request:`n$text" }

    function Get-Percentile([double[]] $Values, [double] $P) {
        $sorted = $Values | Sort-Object
        $sorted[[Math]::Max(0, [int][Math]::Ceiling($P / 100 * $sorted.Count) - 1)]
    }
    $to = [double[]]@($rows.ToNewSlotMs)
    $cmd = [double[]]@($rows.CommandMs)
    $rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Output
    $failed = $wrkErrors + $watcherErrors.Count
    $p99 = Get-Percentile $to 99
    Write-Output ("wrk: {0} requests in {1} s through the gateway ({2} non-2xx or socket errors); watcher: {3} answers, {4} errors" -f $requests, $seconds, $wrkErrors, $seen.Count, $watcherErrors.Count)
    Write-Output ("switch command ms: p50 {0}  p99 {1}  max {2}" -f (Get-Percentile $cmd 50), (Get-Percentile $cmd 99), ($cmd | Measure-Object -Maximum).Maximum)
    Write-Output ("switch -> first response from the new slot ms: p50 {0}  p99 {1}  max {2}" -f (Get-Percentile $to 50), $p99, ($to | Measure-Object -Maximum).Maximum)
    Write-Output ("failed requests during {0} switches: {1} (goal 0: {2})" -f $Switches, $failed, $(if ($failed -eq 0) { 'PASS' } else { 'MISS' }))
    Write-Output ("p99 switch -> new slot: {0} ms (goal < 1000 ms: {1})" -f $p99, $(if ($p99 -lt 1000) { 'PASS' } else { 'MISS' }))
}
finally {
    $stop.Cancel()
    if ($watcher) { $watcher | Wait-Job -Timeout 10 | Out-Null; $watcher | Remove-Job -Force }
    if ($wrk -and -not $wrk.HasExited) { $wrk.Kill() }
    if ($service) { Stop-OpsService -ConfigPath $configPath -ErrorAction SilentlyContinue | Out-Null }
    if ($sandbox) { Stop-OpsSandbox -Root $root -ErrorAction SilentlyContinue | Out-Null }
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}
