#Requires -Version 7.4
# Search-OpsLog and Measure-OpsLog from real pwsh on real files: aggregates checked against counts computed here
# from the generator's own records, streaming and early stop, -Wait across a rotation stopped like Ctrl+C,
# missing and unreadable files, paths without a configuration, completion and the default views; and the shared
# logs written by two processes in different login sessions at once.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-Module (Get-OpsModuleManifest) -Force
    $script:Root = New-OpsTestDirectory -Prefix 'ops-logs'
    $script:Config = Join-Path $script:Root 'ops.json'
    Set-Content -LiteralPath $script:Config -Value @'
{
  "opsRoot": ".",
  "wrappers": [ { "name": "routellm", "kind": "routellm" }, { "name": "poml", "kind": "poml" } ],
  "slots": {
    "blue": { "routellm": "http://127.0.0.1:9/r", "poml": "http://127.0.0.1:9/p" },
    "green": { "routellm": "http://127.0.0.1:9/r2", "poml": "http://127.0.0.1:9/p2" }
  }
}
'@
    $script:Logs = Join-Path $script:Root 'logs'
    New-Item -ItemType Directory -Path $script:Logs | Out-Null

    # The generator keeps what each line says in fields of its own; the tests count those, not the text.
    $random = [Random]::new(4242)
    $at = [DateTimeOffset]::new(2026, 11, 27, 20, 0, 0, [TimeSpan]::Zero)
    $wrappers = 'routellm', 'poml', 'external-tools'
    $types = 'ConnectionRefused', 'Timeout', 'HttpError'
    $clients = '10.0.0.1', '10.0.0.2', '192.168.5.5'
    $script:Records = [Collections.Generic.List[object]]::new()
    $lines = [Collections.Generic.List[string]]::new()
    foreach ($i in 1..4000) {
        $at = $at.AddMilliseconds($random.Next(100, 6000))
        $ts = $at.UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss.fff', [Globalization.CultureInfo]::InvariantCulture) + 'Z'
        $w = $wrappers[$random.Next(3)]
        $rt = $random.Next(1, 50000) / 10.0
        $rtText = $rt.ToString('0.#', [Globalization.CultureInfo]::InvariantCulture)
        $roll = $random.Next(100)
        $rec = [ordered]@{ At = $at; Level = 'Info'; Type = $null; Wrapper = $null; Rt = $null; Ok = $null; Failed = $null; Refused = $null }
        if ($roll -lt 50) {
            $lines.Add("$ts [INFO] monitor probe $w/blue Healthy attempts=1 version=1.0 response_time: $rtText")
            $rec.Wrapper = $w; $rec.Rt = $rt; $rec.Ok = $true
        }
        elseif ($roll -lt 60) {
            $t = $types[$random.Next(3)]
            $lines.Add("$ts [ERROR] monitor $t probe $w/green failed after 3 attempt(s): no answer response_time: $rtText")
            $rec.Level = 'Error'; $rec.Type = $t; $rec.Wrapper = $w; $rec.Rt = $rt; $rec.Ok = $false
        }
        elseif ($roll -lt 66) {
            $c = $clients[$random.Next(3)]
            $lines.Add("$ts [WARN] security Failed authentication from $c for GET /api/alerts: no API key (1 within the window)")
            $rec.Level = 'Warn'; $rec.Failed = $c
        }
        elseif ($roll -lt 68) {
            $c = $clients[$random.Next(3)]
            $lines.Add("$ts [WARN] security Refused GET /api/alerts from ${c}: too many failed authentications; retry after 12 s")
            $rec.Level = 'Warn'; $rec.Refused = $c
        }
        else {
            $lines.Add("$ts [INFO] ops Backup $i written; no ERROR here")
        }
        $script:Records.Add([pscustomobject]$rec)
    }
    $script:Lines = $lines
    [IO.File]::WriteAllLines((Join-Path $script:Logs 'application.log'), $lines)
    [IO.File]::WriteAllLines((Join-Path $script:Logs 'monitoring.log'), $lines)

    function script:NearestRank([double[]] $Values, [double] $P) {
        $sorted = [double[]]($Values | Sort-Object)
        $sorted[[math]::Max(1, [int][math]::Ceiling($P / 100 * $sorted.Count)) - 1]
    }
}

AfterAll {
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Measure-OpsLog' {
    It 'counts errors by type and wrapper as the records say, and pipes on' {
        $counts = @(Measure-OpsLog -ConfigPath $script:Config)
        $counts[0].GetType().FullName | Should-Be 'Orchestrator.Ops.Core.Logs.LogErrorCount'
        $expected = $script:Records | Where-Object Level -eq 'Error' | Group-Object Type, Wrapper
        $counts.Count | Should-Be @($expected).Count
        foreach ($g in $expected) {
            $type, $wrapper = $g.Name -split ', '
            ($counts | Where-Object { $_.ErrorType -eq $type -and $_.Wrapper -eq $wrapper }).Count | Should-Be ([long]$g.Count)
        }
        $byType = Measure-OpsLog -ConfigPath $script:Config -ErrorsByType | Group-Object ErrorType | Sort-Object Name
        @($byType.Name) | Should-BeCollection @('ConnectionRefused', 'HttpError', 'Timeout')
        (Measure-OpsLog -ConfigPath $script:Config | Format-Table | Out-String -Width 200) | Should-BeLikeString '*ErrorType*Wrapper*Count*First*Last*'
    }

    It 'gives exact nearest-rank response-time percentiles per wrapper' {
        $rows = @(Measure-OpsLog -ResponseTime -ConfigPath $script:Config)
        $rows.Count | Should-Be 3
        # The runbook's longest wrapper name fits the table's column whole.
        ($rows | Format-Table | Out-String -Width 120) | Should-MatchString '(?m)^\S*\s+external-tools\s'
        foreach ($r in $rows) {
            $values = [double[]]($script:Records | Where-Object { $null -ne $_.Rt -and $_.Wrapper -eq $r.Wrapper } | ForEach-Object Rt)
            $r.Count | Should-Be ([long]$values.Count)
            $r.P50 | Should-Be (NearestRank $values 50)
            $r.P95 | Should-Be (NearestRank $values 95)
            $r.P99 | Should-Be (NearestRank $values 99)
            $r.Max | Should-Be ($values | Measure-Object -Maximum).Maximum
        }
    }

    It 'splits success rates by hour and filters by wrapper and time' {
        $since = $script:Records[1000].At
        $until = $script:Records[3000].At
        $rows = @(Measure-OpsLog -SuccessRate -By Hour -Wrapper POML -Since $since -Until $until -ConfigPath $script:Config)
        $expected = $script:Records | Where-Object { $null -ne $_.Ok -and $_.Wrapper -eq 'poml' -and $_.At -ge $since -and $_.At -lt $until } |
            Group-Object { $_.At.UtcDateTime.ToString('yyyy-MM-dd HH') }
        $rows.Count | Should-Be @($expected).Count
        foreach ($g in $expected) {
            $row = $rows | Where-Object { $_.Interval.UtcDateTime.ToString('yyyy-MM-dd HH') -eq $g.Name }
            $row.Wrapper | Should-Be 'poml'
            $row.Total | Should-Be ([long]$g.Count)
            $row.Failed | Should-Be ([long]@($g.Group | Where-Object Ok -eq $false).Count)
        }
    }

    It 'ranks failed authentications, keeps the top offenders and counts rate-limit refusals' {
        $failed = @(Measure-OpsLog -FailedAuth -ConfigPath $script:Config)
        $expected = @($script:Records | Where-Object Failed | Group-Object Failed | Sort-Object Count -Descending)
        @($failed.Client) | Should-BeCollection @($expected.Name)
        # (not $failed.Rank: an array's own Rank property would win over member enumeration)
        @($failed | ForEach-Object Rank) | Should-BeCollection @(1..$expected.Count)
        @(Measure-OpsLog -FailedAuth -Top 2 -ConfigPath $script:Config).Count | Should-Be 2
        $limits = @(Measure-OpsLog -RateLimit -ConfigPath $script:Config)
        ($limits | Measure-Object Count -Sum).Sum | Should-Be @($script:Records | Where-Object Refused).Count
    }

    It 'refuses two aggregates at once' {
        { Measure-OpsLog -ResponseTime -FailedAuth -ConfigPath $script:Config } | Should-Throw -ExceptionMessage '*Parameter set cannot be resolved*'
    }
}

Describe 'Search-OpsLog' {
    It 'streams matching entries as objects and -Raw lines as strings' {
        $entries = @(Search-OpsLog -Level Error -Wrapper poml -Pattern 'time.?out' -ConfigPath $script:Config)
        $expected = @($script:Lines | Where-Object { $_ -like '*`[ERROR`]*' -and $_ -like '*poml/*' -and $_ -match 'time.?out' })
        $entries.Count | Should-Be $expected.Count
        $entries[0].GetType().FullName | Should-Be 'Orchestrator.Ops.Core.Logs.LogEntry'
        @($entries.ErrorType | Sort-Object -Unique) | Should-BeCollection @('Timeout')
        @($entries.Line) | Should-BeCollection $expected
        $raw = @(Search-OpsLog -Raw -Level Warning -Pattern 'Refused' -ConfigPath $script:Config)
        $raw[0] -is [string] | Should-BeTrue
        $raw | Should-BeCollection @($script:Lines | Where-Object { $_ -like '*Refused GET*' })
        (Search-OpsLog -Tail 3 -ConfigPath $script:Config | Format-Table | Out-String -Width 200) | Should-BeLikeString '*Time*Level*Wrapper*ErrorType*Message*'
    }

    It 'returns the last N with -Tail and stops reading when the pipeline has enough' {
        @(Search-OpsLog -Tail 5 -ConfigPath $script:Config).Line | Should-BeCollection @($script:Lines | Select-Object -Last 5)
        @(Search-OpsLog -ConfigPath $script:Config | Select-Object -First 2).Line | Should-BeCollection @($script:Lines | Select-Object -First 2)
    }

    It 'names the path and the known logs when a log does not exist' {
        { Search-OpsLog -Log error -ConfigPath $script:Config } | Should-Throw -ExceptionMessage "*$(Join-Path $script:Logs 'error.log')*application, access, error, monitoring*"
        try { Search-OpsLog -Log error -ConfigPath $script:Config -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should-BeLikeString 'LogNotFound,*'
        $err.CategoryInfo.Category | Should-Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
    }

    It 'reports an unreadable file as an error and still reads the others' {
        $dir = Join-Path $script:Root 'unreadable'
        New-Item -ItemType Directory -Path $dir | Out-Null
        Copy-Item (Join-Path $script:Logs 'application.log') (Join-Path $dir 'app.log')
        # A link to itself cannot be opened by anyone, root included.
        New-Item -ItemType SymbolicLink -Path (Join-Path $dir 'app.log.1') -Target (Join-Path $dir 'app.log.1') | Out-Null
        $found = @(Search-OpsLog -Log (Join-Path $dir 'app.log*') -Level Error -ErrorVariable errs -ErrorAction SilentlyContinue)
        $found.Count | Should-Be @($script:Records | Where-Object Level -eq 'Error').Count
        $errs.Count | Should-Be 1
        $errs[0].FullyQualifiedErrorId | Should-BeLikeString 'LogUnreadable,*'
        "$($errs[0].TargetObject)" | Should-BeLikeString '*app.log.1'
    }

    It 'reads paths without any configuration, relative to the current location' {
        $script = Join-Path $script:Root 'noconfig.ps1'
        Set-Content -LiteralPath $script -Value @"
Import-Module '$(Get-OpsModuleManifest)'
Set-Location '$script:Logs'
(Search-OpsLog -Log ./application.log -Level Error | Measure-Object).Count
(Measure-OpsLog -Log ./application.log | Measure-Object Count -Sum).Sum
"@
        $r = Invoke-ChildPwsh -ScriptPath $script -Environment @{ ORCHESTRATOR_OPS_CONFIG = '' }
        $r.Error | Should-Be ''
        $n = @($script:Records | Where-Object Level -eq 'Error').Count
        ($r.Output.Trim() -split '\r?\n') | Should-BeCollection @("$n", "$n")
    }

    It 'completes log names' {
        $line = "Search-OpsLog -ConfigPath '$script:Config' -Log mon"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should-BeCollection @('monitoring')
    }

    It 'follows a log through a rotation with -Wait until stopped, like Ctrl+C' {
        $dir = Join-Path $script:Root 'follow'
        New-Item -ItemType Directory -Path $dir | Out-Null
        $file = Join-Path $dir 'live.log'
        Set-Content -LiteralPath $file -Value '2026-11-27 22:00:00.000Z [INFO] ops before'
        $ps = [powershell]::Create()
        try {
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $null = $ps.AddScript("Import-Module '$(Get-OpsModuleManifest)'; Search-OpsLog -Log '$file' -Level Error -Wait")
            $handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            # By index only: enumerating a collection a running pipeline still writes to blocks until it ends.
            function Get-Output { for ($i = 0; $i -lt $output.Count; $i++) { $output[$i] } }
            function Wait-Output([int] $Count) {
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while ($output.Count -lt $Count) {
                    if ([DateTime]::UtcNow -gt $deadline) {
                        $errors = for ($i = 0; $i -lt $ps.Streams.Error.Count; $i++) { "$($ps.Streams.Error[$i])" }
                        throw "Only $($output.Count) of $Count entries arrived; state $($ps.InvocationStateInfo.State); errors: $errors"
                    }
                    Start-Sleep -Milliseconds 50
                }
            }
            Add-Content -LiteralPath $file -Value '2026-11-27 22:00:01.000Z [ERROR] ops FirstError one'
            Wait-Output 1
            Add-Content -LiteralPath $file -Value '2026-11-27 22:00:02.000Z [ERROR] ops OldFileError two'
            Move-Item -LiteralPath $file -Destination "$file.1"
            Add-Content -LiteralPath $file -Value '2026-11-27 22:00:03.000Z [INFO] ops new file', '2026-11-27 22:00:04.000Z [ERROR] ops NewFileError three'
            Wait-Output 3
            @(Get-Output | ForEach-Object ErrorType) | Should-BeCollection @('FirstError', 'OldFileError', 'NewFileError')

            $stop = $ps.BeginStop($null, $null)
            $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(20)) | Should-BeTrue
            $ps.InvocationStateInfo.State | Should-Be ([System.Management.Automation.PSInvocationState]::Stopped)
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'stops following when a downstream command has enough' {
        $file = Join-Path $script:Root 'follow/quiet.log'
        Set-Content -LiteralPath $file -Value (1..20 | ForEach-Object { "2026-11-27 22:00:$('{0:00}' -f $_).000Z [INFO] ops line $_" })
        # -Wait never ends on its own: only the stop from Select-Object ends it. It starts with the last 10, like tail -f.
        @(Search-OpsLog -Log $file -Wait | Select-Object -First 3).Message | Should-BeCollection @('line 11', 'line 12', 'line 13')
    }
}

Describe 'The shared logs' {
    It 'take every line whole from two processes in different login sessions writing at once' {
        # The service under systemd and an operator's shell are in different login sessions. Both write application.log,
        # error.log and monitoring.log, and their lines must never overwrite each other.
        $setsid = @(Get-Command setsid -CommandType Application -ErrorAction SilentlyContinue)[0]
        $setsid | Should-NotBeNull -Because 'util-linux setsid starts the second writer in a session of its own'
        $root = Join-Path $script:Root 'two-writers'
        New-Item -ItemType Directory -Path $root | Out-Null
        $config = Join-Path $root 'ops.json'
        Set-Content -LiteralPath $config -Value @'
{
  "opsRoot": ".",
  "wrappers": [ { "name": "routellm", "kind": "routellm" }, { "name": "poml", "kind": "poml" } ],
  "slots": {
    "blue": { "routellm": "http://127.0.0.1:9/r", "poml": "http://127.0.0.1:9/p" },
    "green": { "routellm": "http://127.0.0.1:9/r2", "poml": "http://127.0.0.1:9/p2" }
  },
  "healthChecks": { "timeoutSeconds": 1, "retries": 0, "retryDelayMs": 0 }
}
'@
        # Each writer makes 10 live checks of the four refused instances (four ERROR probe lines and one round line
        # each), then, once both are ready, writes 3,000 lines as fast as it can through the engine's own log setup
        # (OpsLogging, as every cmdlet and the service use it).
        $writer = Join-Path $root 'writer.ps1'
        Set-Content -LiteralPath $writer -Value @"
param([string] `$Tag)
Import-Module '$(Get-OpsModuleManifest)'
for (`$i = 0; `$i -lt 10; `$i++) { `$null = Get-WrapperHealth -ConfigPath '$config' -Live -ErrorAction SilentlyContinue }
`$core = @([Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'Orchestrator.Ops')[0].Assemblies | Where-Object { `$_.GetName().Name -eq 'Orchestrator.Ops.Core' }
`$log = `$core.GetType('Orchestrator.Ops.Core.LogWriting.OpsLogging')::Create('$root/logs')
Set-Content -LiteralPath (Join-Path '$root' "ready-`$Tag") -Value ''
while (@(Get-ChildItem -LiteralPath '$root' -Filter 'ready-*').Count -lt 2) { Start-Sleep -Milliseconds 5 }
for (`$i = 0; `$i -lt 3000; `$i++) { `$log.Information("writer `$Tag line `$i") }
`$log.Dispose()
"@
        $pwsh = Get-PwshInvocation
        $children = foreach ($tag in 'shell', 'daemon') {
            $info = [Diagnostics.ProcessStartInfo]::new($(if ($tag -eq 'daemon') { $setsid.Source } else { $pwsh.FilePath }))
            if ($tag -eq 'daemon') { $info.ArgumentList.Add('--wait'); $info.ArgumentList.Add($pwsh.FilePath) }
            foreach ($a in @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $writer, $tag)) { $info.ArgumentList.Add($a) }
            $info.UseShellExecute = $false
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            [Diagnostics.Process]::Start($info)
        }
        try {
            foreach ($child in $children) {
                $child.WaitForExit(180000) | Should-BeTrue -Because 'each writer finishes'
                $child.ExitCode | Should-Be 0 -Because $child.StandardError.ReadToEnd()
            }
        }
        finally {
            foreach ($child in $children) { if (-not $child.HasExited) { $child.Kill($true) }; $child.Dispose() }
        }

        $stamp = '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z '
        $probe = $stamp + '\[(INFO|ERROR)\] monitor (round probed=4 healthy=0 failed=4 duration_ms=\S+ success_rate: 0|\S+ probe (routellm|poml)/(blue|green) failed after 1 attempt\(s\): .* response_time: \S+)$'
        $monitoring = [IO.File]::ReadAllLines((Join-Path $root 'logs/monitoring.log'))
        $monitoring.Count | Should-Be (2 * 10 * 5)
        @($monitoring | Where-Object { $_ -notmatch $probe } | Select-Object -First 5) | Should-BeCollection @()
        @([IO.File]::ReadAllLines((Join-Path $root 'logs/error.log')) | Where-Object { $_ -notmatch $probe } | Select-Object -First 5) | Should-BeCollection @()

        # Besides the writers' lines and the ERROR probe lines, application.log has each check's verdicts.
        $verdict = $stamp + '\[WARN\] health (routellm|poml)/(blue|green) is Critical \(score 0\): .*$'
        $writers = $stamp + '\[INFO\] ops writer (shell|daemon) line \d+$'
        $application = [IO.File]::ReadAllLines((Join-Path $root 'logs/application.log'))
        @($application | Where-Object { $_ -notmatch $writers -and $_ -notmatch $probe -and $_ -notmatch $verdict } | Select-Object -First 5) | Should-BeCollection @()
        foreach ($tag in 'shell', 'daemon') {
            $mine = @($application | Where-Object { $_ -match " ops writer $tag line (\d+)$" } | ForEach-Object { [int]($_ -replace '.* line ', '') })
            $mine | Should-BeCollection @(0..2999) -Because "every line of the $tag writer is there once, in order"
        }
    }
}
