#Requires -Version 7.4
# Invoke-OpsRunbook from real pwsh against a real sandbox fleet and, for the investigations, a real monitoring service:
# checks in pipelines, the report file (atomic, refused without -Force, not written under -WhatIf), failed
# authentications made against the service and traffic through its gateway, a wrapper taken down, Ctrl+C.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-Module (Get-OpsModuleManifest) -Force
    $script:Root = New-OpsTestDirectory -Prefix 'ops-runbook'
    $script:Sandbox = Start-OpsSandbox -Root $script:Root -PassThru
    $config = Get-Content -Raw $script:Sandbox.ConfigPath | ConvertFrom-Json -AsHashtable
    # A short lockout window, so the client the test locks out (loopback, like every client here) is let in again soon.
    $config.service = @{ apiPort = 0; gatewayPort = 0; failedAuthWindowSeconds = 3 }
    $config.healthChecks = @{ timeoutSeconds = 2; retries = 1; retryDelayMs = 50 }
    $config.Remove('$schema')
    $script:Config = Join-Path $script:Root 'runbook-test.json'
    $config | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $script:Config
    $script:Control = $script:Sandbox.ControlUrl.AbsoluteUri.TrimEnd('/')
    $script:Reports = Join-Path $script:Root 'reports'
    1..3 | ForEach-Object { Get-WrapperHealth -ConfigPath $script:Config -Live | Out-Null }
    $script:Backup = New-Backup -ConfigPath $script:Config -Description 'runbook test'

    function script:Set-Instance([string] $Wrapper, [string] $Slot, [string] $Body) {
        Invoke-RestMethod -Method Post -Uri "$script:Control/control/instances/$Wrapper/$Slot" -ContentType 'application/json' -Body $Body | Out-Null
    }
    function script:Wait-Until([scriptblock] $Condition, [string] $What, [int] $Seconds = 20) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "$What did not happen within $Seconds s." }
            Start-Sleep -Milliseconds 100
        }
    }
}

AfterAll {
    Stop-OpsService -ConfigPath $script:Config -ErrorAction SilentlyContinue -Confirm:$false
    Stop-OpsSandbox -Root $script:Root -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Invoke-OpsRunbook' {
    It 'runs the daily checklist into a pipeline and writes its report' {
        $report = Join-Path $script:Reports 'daily.md'
        $checks = @(Invoke-OpsRunbook DailyMaintenance -ConfigPath $script:Config -Report $report)

        $checks.Count | Should-Be 4
        $checks[0].PSObject.TypeNames[0] | Should-Be 'Orchestrator.Ops.Core.Runbooks.RunbookCheck'
        ($checks | ForEach-Object Item) | Should-BeCollection @('Health dashboard', 'Error logs of the last day', 'Backup completed and verified', 'Disk space')
        "$(($checks | Where-Object Item -eq 'Health dashboard').Status)" | Should-Be 'Pass'
        $backup = $checks | Where-Object Item -eq 'Backup completed and verified'
        "$($backup.Status)" | Should-Be 'Pass'
        ($backup.Evidence | Where-Object Measure -eq 'Verified').Value | Should-BeTrue
        ($backup.Evidence | Where-Object Measure -eq 'Verified').Subject | Should-Be $script:Backup.Id

        # The error item agrees with a count made here, the runbook's way: ERROR lines of application.log.
        $errors = @(Get-Content -LiteralPath (Join-Path $script:Root 'logs/application.log') | Where-Object { $_ -match '^\S+ \S+Z \[ERROR\] ' })
        "$(($checks | Where-Object Item -like 'Error logs*').Status)" | Should-Be ($(if ($errors.Count -eq 0) { 'Pass' } else { 'Warn' }))

        $text = Get-Content -Raw -LiteralPath $report
        $text | Should-BeLikeString '# Maintenance report: Daily maintenance*'
        $text | Should-BeLikeString "*| Configuration | $script:Config |*"
        $text | Should-BeLikeString "*| 3 | Backup completed and verified | Pass | Backup $($script:Backup.Id) completed*"
        $text | Should-BeLikeString "*| $($script:Backup.Id) | Verified | True | True | Pass |*"
        @(Get-ChildItem -LiteralPath $script:Reports -Filter '*.tmp' -Force).Count | Should-Be 0

        ($checks | Format-Table | Out-String -Width 200) | Should-BeLikeString '*Backup completed and verified*Pass*'
        ($backup.Evidence | Format-Table | Out-String -Width 200) | Should-BeLikeString '*Subject*Measure*Value*Target*Status*Note*'
    }

    It 'refuses to replace a report without -Force, before running anything, and replaces it with -Force' {
        $report = Join-Path $script:Reports 'existing.md'
        New-Item -ItemType Directory -Force -Path $script:Reports | Out-Null
        Set-Content -LiteralPath $report -Value 'keep me'
        $err = $null
        try { Invoke-OpsRunbook MonthlyMaintenance -ConfigPath $script:Config -Report $report | Out-Null }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should-BeLikeString 'ReportExists,*'
        $err.Exception.Message | Should-BeLikeString '*-Force*'
        (Get-Content -Raw -LiteralPath $report).Trim() | Should-Be 'keep me'

        $checks = @(Invoke-OpsRunbook MonthlyMaintenance -ConfigPath $script:Config -Report $report -Force)
        "$(($checks | Where-Object Item -eq 'Disaster-recovery drill').Status)" | Should-Be 'Pass'
        "$(($checks | Where-Object Item -like 'Dependency*').Status)" | Should-Be 'Skipped'
        ($checks | Where-Object Item -like 'Dependency*').Evidence.Subject | Should-ContainCollection @('Serilog', 'Yarp.ReverseProxy', '.NET runtime', 'SQLite')
        Get-Content -Raw -LiteralPath $report | Should-BeLikeString '# Maintenance report: Monthly maintenance*'
    }

    It 'refuses a -Since in the future and takes how long ago' {
        $err = $null
        try { Invoke-OpsRunbook DailyMaintenance -ConfigPath $script:Config -Since (Get-Date).AddHours(1) | Out-Null }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should-BeLikeString 'SinceInvalid,*'
        { Invoke-OpsRunbook DailyMaintenance -ConfigPath $script:Config -Since 'soon' } | Should-Throw
    }

    It 'runs the checks but writes no report under -WhatIf' {
        $report = Join-Path $script:Reports 'whatif.md'
        $script = Join-Path $script:Root 'whatif.ps1'
        Set-Content -LiteralPath $script -Value "Import-Module '$(Get-OpsModuleManifest)'; Invoke-OpsRunbook WeeklyMaintenance -ConfigPath '$script:Config' -Report '$report' -WhatIf | ForEach-Object { 'ITEM ' + `$_.Item }"
        $r = Invoke-ChildPwsh -ScriptPath $script
        $r.ExitCode | Should-Be 0
        $r.Output | Should-BeLikeString "*What if: Performing the operation `"Write the Markdown report of WeeklyMaintenance`" on target `"$report`"*"
        $r.Output | Should-BeLikeString '*ITEM Performance trends*ITEM Configuration drift*'
        Test-Path -LiteralPath $report | Should-BeFalse
    }

    It 'finds a wrapper of the active slot down and says the service is not running' {
        Set-Instance poml blue '{"down":true}'
        try {
            $checks = @(Invoke-OpsRunbook CriticalOutageTriage -ConfigPath $script:Config -Since 30m)
        }
        finally {
            Set-Instance poml blue '{"down":false}'
        }

        $checks.Count | Should-Be 8
        $network = $checks | Where-Object Item -eq 'Network connectivity'
        "$($network.Status)" | Should-Be 'Fail'
        "$(($network.Evidence | Where-Object Subject -eq 'poml/blue').Status)" | Should-Be 'Fail'
        "$(($checks | Where-Object Item -eq 'Wrapper health').Status)" | Should-Be 'Fail'
        "$(($checks | Where-Object Item -eq 'Service accessibility').Status)" | Should-Be 'Fail'
        # -Since 30m: the window starts half an hour before the run.
        ($checks | Where-Object Item -eq 'Recent deployments and switches').Detail -match 'since (\S+ \S+Z)' | Should-BeTrue
        $minutes = ([DateTimeOffset]::UtcNow - [DateTimeOffset]::Parse($Matches[1], [cultureinfo]::InvariantCulture)).TotalMinutes
        $minutes | Should-BeGreaterThan 29
        $minutes | Should-BeLessThan 40
        @($checks | Where-Object { $_.Status -eq 'Fail' }).Count | Should-BeGreaterThan 2
    }

    It 'investigates with the service running: its API and gateway answer, and the failed authentications it logged are found' {
        $info = Start-OpsService -ConfigPath $script:Config -PassThru -Confirm:$false
        $gateway = $info.GatewayUrl.AbsoluteUri.TrimEnd('/')
        1..5 | ForEach-Object { Invoke-RestMethod -Uri "$gateway/routellm/v1/operation" | Out-Null }
        $access = Join-Path $script:Root 'logs/access.log'
        Wait-Until { (Test-Path -LiteralPath $access) -and @(Get-Content -LiteralPath $access).Count -ge 5 } 'five lines in access.log'

        $triage = @(Invoke-OpsRunbook CriticalOutageTriage -ConfigPath $script:Config)
        $service = $triage | Where-Object Item -eq 'Service accessibility'
        "$($service.Status)" | Should-Be 'Pass'
        ($service.Evidence | Where-Object Subject -eq 'GET /api/system/health').Value | Should-Be 200
        @($service.Evidence | Where-Object Subject -like 'gateway /*' | Where-Object Value -eq 200).Count | Should-Be 3
        $resources = $triage | Where-Object Item -eq 'Resource use'
        ($resources.Evidence | Where-Object Subject -eq 'Service Memory').Note | Should-BeLikeString "process $($info.ProcessId),*"
        # The triage's own requests through the gateway (one per wrapper) reach access.log too.
        Wait-Until { @(Get-Content -LiteralPath $access).Count -ge 8 } 'the triage''s gateway requests in access.log'

        # A client guessing the key: ten refusals (the service's failedAuthLimit), then it is locked out.
        $api = "$($info.ApiUrl.AbsoluteUri.TrimEnd('/'))/api/system/health"
        $codes = 1..12 | ForEach-Object { (Invoke-WebRequest -Uri $api -Headers @{ 'X-Api-Key' = 'wrong' } -SkipCertificateCheck -SkipHttpErrorCheck).StatusCode }
        @($codes | Where-Object { $_ -eq 401 }).Count | Should-Be 10
        @($codes | Where-Object { $_ -eq 429 }).Count | Should-Be 2

        $security = @(Invoke-OpsRunbook SecurityIncident -ConfigPath $script:Config -Report (Join-Path $script:Reports 'incident.md'))
        $auth = $security | Where-Object Item -eq 'Failed authentications'
        "$($auth.Status)" | Should-Be 'Fail'
        $top = $auth.Evidence | Where-Object Measure -eq 'FailedAuth' | Select-Object -First 1
        $top.Subject | Should-Be '127.0.0.1'
        $top.Value | Should-Be 10
        (($security | Where-Object Item -eq 'Rate-limit violations').Evidence | Where-Object Subject -eq '127.0.0.1').Value | Should-Be 2
        $traffic = $security | Where-Object Item -eq 'Unusual traffic'
        ($traffic.Evidence | Where-Object Subject -eq 'all clients').Value | Should-Be @(Get-Content -LiteralPath $access).Count
        Get-Content -Raw -LiteralPath (Join-Path $script:Reports 'incident.md') | Should-BeLikeString '*| 127.0.0.1 | FailedAuth | 10 | < 10 per hour | Fail | rank 1;*'

        # Let the lockout pass, so the service takes its shutdown request at the end.
        $key = (Get-Content -Raw -LiteralPath $info.ApiKeyPath).Trim()
        Wait-Until { (Invoke-WebRequest -Uri $api -Headers @{ 'X-Api-Key' = $key } -SkipCertificateCheck -SkipHttpErrorCheck).StatusCode -eq 200 } 'the end of the lockout'
    }

    It 'stops at once on Ctrl+C, writing no report' {
        Set-Instance routellm blue '{"hang":true}'
        $report = Join-Path $script:Reports 'stopped.md'
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-OpsModuleManifest)'; Invoke-OpsRunbook CriticalOutageTriage -ConfigPath '$script:Config' -Report '$report'")
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            # The first item (alerts) is out; the second probes every wrapper live and hangs on routellm/blue.
            Wait-Until { $output.Count -ge 1 } 'the first check'
            $ps.Stop()
            $handle.IsCompleted | Should-BeTrue
            "$($ps.InvocationStateInfo.State)" | Should-Be 'Stopped'
            $output.Count | Should-BeLessThan 8
            Test-Path -LiteralPath $report | Should-BeFalse
        }
        finally {
            $ps.Dispose()
            Set-Instance routellm blue '{"hang":false}'
        }
    }
}
