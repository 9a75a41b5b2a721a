#Requires -Version 7.4
# Start-OpsService / Get-OpsService / Stop-OpsService against the built module: a real service process
# over HTTPS on a free loopback port, watching a real sandbox fleet.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-Module (Get-OpsModuleManifest) -Force
    $script:Root = New-OpsTestDirectory -Prefix 'ops-service'
    $sandbox = Start-OpsSandbox -Root $script:Root -PassThru
    # The sandbox's configuration with the service on free ports, so tests never collide with a real :5000.
    $config = Get-Content -Raw $sandbox.ConfigPath | ConvertFrom-Json -AsHashtable
    $config.service = @{ apiPort = 0; gatewayPort = 0 }
    $config.Remove('$schema')
    $script:Config = Join-Path $script:Root 'service-test.json'
    $config | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $script:Config
}

AfterAll {
    Stop-OpsService -ConfigPath $script:Config -ErrorAction SilentlyContinue -Confirm:$false
    Stop-OpsSandbox -Root $script:Root -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The monitoring service from PowerShell' {
    It 'previews a start with -WhatIf and starts nothing' {
        Start-OpsService -ConfigPath $script:Config -WhatIf
        (Get-OpsService -ConfigPath $script:Config).Running | Should-BeFalse
    }

    It 'starts in the background and describes itself without the key' {
        $script:Info = Start-OpsService -ConfigPath $script:Config -PassThru -Confirm:$false
        $script:Info.ProcessId | Should-BeGreaterThan 0
        $script:Info.ApiUrl.Scheme | Should-Be 'https'
        $script:Info.ApiUrl.Host | Should-Be '127.0.0.1'
        $script:Info.CertificateThumbprint | Should-MatchString '^[0-9A-F]{64}$'
        $key = (Get-Content -Raw -LiteralPath $script:Info.ApiKeyPath).Trim()
        ($script:Info | Format-List * | Out-String) | Should-NotMatchString ([regex]::Escape($key))
    }

    It 'keeps the API key and certificate in owner-only files' {
        (Get-Item -LiteralPath $script:Info.ApiKeyPath).UnixFileMode | Should-Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        Get-ChildItem -LiteralPath (Split-Path $script:Info.ApiKeyPath) -Filter *.pfx | ForEach-Object {
            $_.UnixFileMode | Should-Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        }
    }

    It 'is reported running and healthy' {
        $status = Get-OpsService -ConfigPath $script:Config
        $status.Running | Should-BeTrue
        $status.Healthy | Should-BeTrue
        $status.ProcessId | Should-Be $script:Info.ProcessId
    }

    It 'measures the service process beside the host against the runbook targets' {
        $rows = Get-OpsResourceUsage -ConfigPath $script:Config -SampleInterval 300ms
        ($rows | ForEach-Object { "$($_.Scope)/$($_.Resource)" }) | Should-BeCollection @('Host/Cpu', 'Host/Memory', 'Host/Disk', 'Service/Cpu', 'Service/Memory', 'Service/Disk')
        ($rows | Where-Object Resource -eq 'Cpu').Target | Should-BeCollection @(70, 70)
        ($rows | Where-Object Resource -eq 'Memory').Target | Should-BeCollection @(80, 80)
        $memory = $rows | Where-Object { $_.Scope -eq 'Service' -and $_.Resource -eq 'Memory' }
        $memory.Detail | Should-BeLikeString "process $($script:Info.ProcessId),*"
        $rss = (Get-Process -Id $script:Info.ProcessId).WorkingSet64
        $memory.Used | Should-BeGreaterThan ($rss / 2)
        $memory.Used | Should-BeLessThan ($rss * 2)
        "$($memory.Status)" | Should-Be 'Ok'
        $cpu = $rows | Where-Object { $_.Scope -eq 'Service' -and $_.Resource -eq 'Cpu' }
        $cpu.Percent -ge 0 -and $cpu.Percent -le 100 | Should-BeTrue
        $disk = $rows | Where-Object { $_.Scope -eq 'Service' -and $_.Resource -eq 'Disk' }
        $logs = (Get-ChildItem -LiteralPath (Join-Path $script:Root 'logs') -File -Recurse | Measure-Object Length -Sum).Sum
        $disk.Used | Should-BeGreaterThan ($logs - 1)

        @(Get-OpsResourceUsage -ConfigPath $script:Config -Scope Service -SampleInterval 100ms).Scope | Sort-Object -Unique | Should-Be 'Service'
        @(Get-OpsResourceUsage -ConfigPath $script:Config -OverTarget -SampleInterval 100ms | Where-Object Status -ne 'OverTarget').Count | Should-Be 0
        { Get-OpsResourceUsage -ConfigPath $script:Config -SampleInterval 5ms } | Should-Throw -ExceptionMessage '*out of range*'
    }

    It 'serves the runbook API with the key and refuses without it' {
        $key = (Get-Content -Raw -LiteralPath $script:Info.ApiKeyPath).Trim()
        $url = "$($script:Info.ApiUrl.AbsoluteUri.TrimEnd('/'))/api/system/health"
        $health = Invoke-RestMethod -Uri $url -Headers @{ 'X-Api-Key' = $key } -SkipCertificateCheck
        $health.success | Should-BeTrue
        $health.data.active_wrappers | Should-Be 3
        $response = Invoke-WebRequest -Uri $url -SkipCertificateCheck -SkipHttpErrorCheck
        $response.StatusCode | Should-Be 401
        ($response.Content | ConvertFrom-Json).success | Should-BeFalse
    }

    It 'answers the runbook''s own curl command as written' {
        # runbook 8.2: curl https://localhost:5000/api/system/health | jq '.data.active_operations'
        $key = (Get-Content -Raw -LiteralPath $script:Info.ApiKeyPath).Trim()
        $url = "https://localhost:$($script:Info.ApiUrl.Port)/api/system/health"
        $raw = & curl -k -s -H "X-Api-Key: $key" $url
        $LASTEXITCODE | Should-Be 0
        $json = $raw | ConvertFrom-Json
        $json.data.active_operations | Should-Be 0
        @('Healthy', 'Degraded', 'Unhealthy', 'Critical', 'Unknown') -contains $json.data.system_status | Should-BeTrue
    }

    It 'refuses a second start for the same configuration' {
        $err = $null
        try { Start-OpsService -ConfigPath $script:Config -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        $err | Should-NotBeNull
        $err.FullyQualifiedErrorId | Should-BeLikeString 'ServiceAlreadyRunning,*'
    }

    It 'stops gracefully and says so' {
        Stop-OpsService -ConfigPath $script:Config -Confirm:$false
        Get-Process -Id $script:Info.ProcessId -ErrorAction SilentlyContinue | Should-BeNull
        $status = Get-OpsService -ConfigPath $script:Config
        $status.Running | Should-BeFalse
        Test-Path (Join-Path (Split-Path $script:Info.ApiKeyPath) 'service.json') | Should-BeFalse
    }

    It 'reports a stop with nothing running as a non-terminating error' {
        Stop-OpsService -ConfigPath $script:Config -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should-BeLikeString 'ServiceNotRunning,*'
    }
}

Describe 'Stopping a service that is rate limiting this client' {
    BeforeAll {
        # A second service on the same sandbox, rate limiting after 2 failed authentications.
        $config = Get-Content -Raw -LiteralPath $script:Config | ConvertFrom-Json -AsHashtable
        $config.service = @{ apiPort = 0; gatewayPort = 0; failedAuthLimit = 2; failedAuthWindowSeconds = 600 }
        $config.opsRoot = Join-Path $script:Root 'limited-root'
        $script:LimitedConfig = Join-Path $script:Root 'service-limited.json'
        $config | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $script:LimitedConfig
        $script:Limited = Start-OpsService -ConfigPath $script:LimitedConfig -PassThru -Confirm:$false
    }

    AfterAll {
        Stop-OpsService -ConfigPath $script:LimitedConfig -ErrorAction SilentlyContinue -Confirm:$false
    }

    It 'still stops it gracefully, without waiting out the kill bound' {
        $url = "$($script:Limited.ApiUrl.AbsoluteUri.TrimEnd('/'))/api/system/health"
        1..3 | ForEach-Object {
            $null = Invoke-WebRequest -Uri $url -Headers @{ 'X-Api-Key' = 'wrong' } -SkipCertificateCheck -SkipHttpErrorCheck
        }
        $key = (Get-Content -Raw -LiteralPath $script:Limited.ApiKeyPath).Trim()
        # Locked out: even the right key is refused from this client now, and so is the shutdown request.
        (Invoke-WebRequest -Uri $url -Headers @{ 'X-Api-Key' = $key } -SkipCertificateCheck -SkipHttpErrorCheck).StatusCode | Should-Be 429

        Stop-OpsService -ConfigPath $script:LimitedConfig -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue -Verbose 4>&1 |
            Out-String | Should-MatchString 'SIGTERM'
        $warnings | Should-BeNull
        Get-Process -Id $script:Limited.ProcessId -ErrorAction SilentlyContinue | Should-BeNull
        # A graceful stop ends with the service's own last line; a kill would leave none.
        (Get-Content -LiteralPath (Join-Path $script:Limited.LogsFolder 'application.log'))[-1] | Should-MatchString '\[INFO\] \S+ Stopped$'
    }
}
