#Requires -Version 7.4
# Get-WrapperHealth and friends in a real pwsh, against the built module and a real sandbox fleet:
# the pipelines operators and scheduled scripts write.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-Module (Get-OpsModuleManifest) -Force
    $script:Root = New-OpsTestDirectory -Prefix 'ops-health'
    $script:Sandbox = Start-OpsSandbox -Root $script:Root -PassThru
    $control = $script:Sandbox.ControlUrl.AbsoluteUri.TrimEnd('/')
    Invoke-RestMethod -Method Post -Uri "$control/control/instances/poml/green" -ContentType 'application/json' -Body '{"errorRate":1}' | Out-Null
    Invoke-RestMethod -Method Post -Uri "$control/control/instances/routellm/green" -ContentType 'application/json' -Body '{"latencyMs":2500,"latencyJitterMs":0}' | Out-Null
    # minimumSamples is 3 in the sandbox's configuration.
    1..3 | ForEach-Object { Get-WrapperHealth -Live | Out-Null }
}

AfterAll {
    Stop-OpsSandbox -Root $script:Root -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-WrapperHealth in pipelines' {
    It 'returns one WrapperHealth per wrapper and slot' {
        $all = @(Get-WrapperHealth)
        $all.Count | Should-Be 6
        $all[0].PSObject.TypeNames[0] | Should-Be 'Orchestrator.Ops.Core.Health.WrapperHealth'
        ($all | ForEach-Object { "$($_.Name)/$($_.Slot)" }) -join ',' |
            Should-Be 'external-tools/blue,external-tools/green,poml/blue,poml/green,routellm/blue,routellm/green'
    }

    It 'filters with Where-Object and sorts with Sort-Object on real numbers' {
        $bad = @(Get-WrapperHealth | Where-Object Status -ne 'Healthy' | Sort-Object HealthScore)
        $bad.Count | Should-Be 2
        "$($bad[0].Name)/$($bad[0].Slot)" | Should-Be 'poml/green'
        "$($bad[0].Status)" | Should-Be 'Critical'
        $bad[0].ErrorRate | Should-Be 100
        "$($bad[1].Name)/$($bad[1].Slot)" | Should-Be 'routellm/green'
        "$($bad[1].Status)" | Should-Be 'Degraded'
        $bad[1].P95Ms | Should-BeGreaterThan 2000
        $bad[1].Message | Should-BeLikeString '*P95*> 2000 ms*'
    }

    It 'shows the default table view' {
        $text = Get-WrapperHealth | Where-Object Status -ne 'Healthy' | Sort-Object HealthScore | Format-Table | Out-String
        $header = ($text -split "`n" | Where-Object { $_ -match '\S' } | Select-Object -First 1)
        $header | Should-MatchString '^Name\s+Slot\s+Status\s+HealthScore\s+SuccessRate\s+P95Ms\s+LastCheck'
        $text | Should-MatchString 'poml\s+green\s+Critical\s+0\.0\s+0\.0%'
    }

    It 'converts to JSON with the data, not formatted strings' {
        $json = Get-WrapperHealth -Name poml -Slot green | ConvertTo-Json -EnumsAsStrings | ConvertFrom-Json
        $json.Status | Should-Be 'Critical'
        $json.HealthScore | Should-Be 0
        $json.TotalOperations | Should-Be 3
        $json.LastProbeAttempts | Should-Be 4
    }

    It 'exports to CSV, one row per wrapper and slot' {
        $csv = Join-Path $script:Root 'health.csv'
        Get-WrapperHealth | Export-Csv -LiteralPath $csv
        $rows = @(Import-Csv -LiteralPath $csv)
        $rows.Count | Should-Be 6
        ($rows | Where-Object { $_.Name -eq 'poml' -and $_.Slot -eq 'green' }).Status | Should-Be 'Critical'
        [double]($rows | Where-Object { $_.Name -eq 'poml' -and $_.Slot -eq 'blue' }).SuccessRate | Should-Be 100
    }

    It 'reports an unknown wrapper as a non-terminating error with an id and a target' {
        $out = @(Get-WrapperHealth -Name nosuch, poml -Slot blue -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should-Be 1
        $errs.Count | Should-Be 1
        $errs[0].FullyQualifiedErrorId | Should-BeLikeString 'WrapperNotFound,*'
        $errs[0].CategoryInfo.Category | Should-Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        $errs[0].TargetObject | Should-Be 'nosuch'
    }
}

Describe 'Get-SystemHealth and Get-WrapperMetric' {
    It 'gives the runbook fields over the active slot' {
        $system = Get-SystemHealth
        $system.ActiveSlot | Should-Be 'blue'
        $system.ActiveWrappers | Should-Be 3
        $system.HealthyWrappers | Should-Be 3
        "$($system.SystemStatus)" | Should-Be 'Healthy'
        $text = $system | Format-List | Out-String
        foreach ($field in 'OverallHealthScore', 'SystemStatus', 'ActiveWrappers', 'HealthyWrappers', 'UnhealthyWrappers',
            'HealthPercentage', 'TotalOperations', 'ActiveOperations', 'OverallSuccessRate', 'ErrorCount',
            'OperationsPerMinute', 'LastHealthCheck') {
            $text | Should-MatchString "(?m)^$field\s+:"
        }
    }

    It 'returns hourly buckets that pipe on' {
        $buckets = @(Get-WrapperMetric -Name poml -Slot green -Hours 3)
        $buckets.Count | Should-Be 3
        ($buckets | Measure-Object -Property ErrorCount -Sum).Sum | Should-Be 3
        $buckets[-1].ErrorRate | Should-Be 100
    }
}

Describe 'Logs in the runbook layout' {
    It 'lets the runbook recipe count error types in application.log' {
        $log = Join-Path $script:Root 'logs/application.log'
        $types = Get-Content -LiteralPath $log | Where-Object { $_ -cmatch 'ERROR' } | ForEach-Object { ($_ -split ' ')[4] } | Group-Object
        @($types).Count | Should-Be 1
        $types[0].Name | Should-Be 'HttpError'
        $types[0].Count | Should-Be 3
    }

    It 'writes one line per probe with its response time last in monitoring.log' {
        $lines = @(Get-Content -LiteralPath (Join-Path $script:Root 'logs/monitoring.log') | Where-Object { $_ -match 'response_time' })
        $lines.Count | Should-BeGreaterThan 17
        foreach ($line in $lines) { [double]::Parse(($line -split ' ')[-1], [cultureinfo]::InvariantCulture) | Should-BeGreaterThanOrEqual 0 }
    }
}

Describe 'Test-OpsConfiguration' {
    It 'reports every problem as an object naming file, path and line' {
        $bad = Join-Path $script:Root 'bad.json'
        Set-Content -LiteralPath $bad -Value @'
{
  "wrappers": [ { "name": "routellm", "kind": "router" } ],
  "slots": { "blue": { "routellm": "nope" } },
  "healthChecks": { "retries": 99 }
}
'@
        $problems = @(Test-OpsConfiguration -ConfigPath $bad)
        $problems.Count | Should-Be 3
        ($problems.JsonPath | Sort-Object) -join ',' | Should-Be '$.healthChecks.retries,$.slots.blue.routellm,$.wrappers[0].kind'
        ($problems | Where-Object JsonPath -EQ '$.wrappers[0].kind').Line | Should-Be 2
        Test-OpsConfiguration -ConfigPath $bad -Quiet | Should-BeFalse
        Test-OpsConfiguration -Quiet | Should-BeTrue
    }

    It 'refuses to run a command on a broken configuration with one clear error' {
        $bad = Join-Path $script:Root 'bad.json'
        $err = $null
        try { Get-WrapperHealth -ConfigPath $bad -ErrorAction Stop } catch { $err = $_ }
        $err | Should-NotBeNull
        $err.FullyQualifiedErrorId | Should-BeLikeString 'ConfigurationInvalid,*'
        $err.Exception.Message | Should-BeLikeString "*$bad*"
    }
}

Describe 'Unattended use' {
    It 'runs in a non-interactive pwsh with no prompt and exits with the count of unhealthy wrappers' {
        $scriptPath = Join-Path $script:Root 'scheduled.ps1'
        Set-Content -LiteralPath $scriptPath -Value @"
Import-Module '$(Get-OpsModuleManifest)'
`$bad = @(Get-WrapperHealth -ConfigPath '$($script:Sandbox.ConfigPath)' | Where-Object Status -ne 'Healthy')
exit `$bad.Count
"@
        $run = Invoke-ChildPwsh -ScriptPath $scriptPath -TimeoutSeconds 120
        $run.TimedOut | Should-BeFalse
        $run.ExitCode | Should-Be 2
    }
}

Describe 'Probes without the vault key' {
    It 'warns on the warning stream, not only in the ops log, that wrappers needing a token get none' {
        # The same fleet, with the configured key file missing: the wrappers that require a token answer 401, and the
        # reason must reach a scheduled script's warning stream.
        $config = Get-Content -Raw $script:Sandbox.ConfigPath | ConvertFrom-Json -AsHashtable
        $config.Remove('$schema')
        $config.secrets.keyFile = 'no-such-folder/vault.key'
        $path = Join-Path (Split-Path $script:Sandbox.ConfigPath) 'no-key.json'
        $config | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $path
        $before = $env:ORCHESTRATOR_OPS_VAULT_KEY
        $env:ORCHESTRATOR_OPS_VAULT_KEY = $null
        try {
            $health = @(Get-WrapperHealth -ConfigPath $path -Live -WarningVariable warned -WarningAction SilentlyContinue)
        }
        finally { $env:ORCHESTRATOR_OPS_VAULT_KEY = $before }

        $health.Count | Should-Be 6
        @($warned).Count | Should-Be 1
        "$($warned[0])" | Should-BeLikeString '*Wrapper tokens are unavailable*401*ORCHESTRATOR_OPS_VAULT_KEY*'
        (Get-Content -Raw -LiteralPath (Join-Path $script:Root 'logs/application.log')) | Should-BeLikeString '*Wrapper tokens are unavailable*'
    }
}
