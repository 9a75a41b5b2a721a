#Requires -Version 7.4
# The health cmdlets with -Uri against a real service process (Start-OpsService, HTTPS on a free loopback port)
# watching a real sandbox fleet, through the built module.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-Module (Get-OpsModuleManifest) -Force
    $script:Root = New-OpsTestDirectory -Prefix 'ops-remote'
    $script:Sandbox = Start-OpsSandbox -Root $script:Root -PassThru
    $config = Get-Content -Raw $script:Sandbox.ConfigPath | ConvertFrom-Json -AsHashtable
    $config.service = @{ apiPort = 0; gatewayPort = 0 }
    $config.healthChecks.minimumSamples = 1
    $config.Remove('$schema')
    $script:Config = Join-Path $script:Root 'remote-test.json'
    $config | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $script:Config
    # One failing wrapper, so the remote pipeline has something to find.
    Invoke-RestMethod -Method Post -Uri "$($script:Sandbox.ControlUrl.AbsoluteUri.TrimEnd('/'))/control/instances/poml/blue" `
        -ContentType 'application/json' -Body '{ "errorRate": 1.0 }' | Out-Null
    $script:Info = Start-OpsService -ConfigPath $script:Config -PassThru -Confirm:$false
    $script:Key = ConvertTo-SecureString (Get-Content -Raw -LiteralPath $script:Info.ApiKeyPath).Trim() -AsPlainText -Force
}

AfterAll {
    $env:ORCHESTRATOR_OPS_API_KEY = $null
    Stop-OpsService -ConfigPath $script:Config -ErrorAction SilentlyContinue -Confirm:$false
    Stop-OpsSandbox -Root $script:Root -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The health cmdlets over the monitoring service API' {
    It 'finds the failing wrapper with Get-WrapperHealth -Uri | Where-Object Status -ne Healthy' {
        $bad = @(Get-WrapperHealth -Uri $script:Info.ApiUrl -ApiKey $script:Key -SkipCertificateCheck | Where-Object Status -ne 'Healthy')
        $bad.Count | Should-Be 1
        $bad[0].GetType().FullName | Should-Be 'Orchestrator.Ops.Core.Health.WrapperHealth'
        "$($bad[0].Name)/$($bad[0].Slot)" | Should-Be 'poml/blue'
        $bad[0].ErrorRate | Should-Be 100
    }

    It 'returns every wrapper in both slots, like the local command' {
        $remote = @(Get-WrapperHealth -Uri $script:Info.ApiUrl -ApiKey $script:Key -SkipCertificateCheck)
        $local = @(Get-WrapperHealth -ConfigPath $script:Config)
        $remote.Count | Should-Be 6
        ($remote | ForEach-Object { "$($_.Name)/$($_.Slot)/$($_.Kind)/$($_.Url)" }) -join ',' |
            Should-Be (($local | ForEach-Object { "$($_.Name)/$($_.Slot)/$($_.Kind)/$($_.Url)" }) -join ',')
    }

    It 'takes the key from $env:ORCHESTRATOR_OPS_API_KEY' {
        $env:ORCHESTRATOR_OPS_API_KEY = (Get-Content -Raw -LiteralPath $script:Info.ApiKeyPath).Trim()
        try {
            (Get-SystemHealth -Uri $script:Info.ApiUrl -SkipCertificateCheck).ActiveWrappers | Should-Be 3
            @(Get-WrapperMetric routellm -Hours 2 -Uri $script:Info.ApiUrl -SkipCertificateCheck).Count | Should-Be 2
            @(Get-HealthAlert -State Pending, Firing, Resolved -Uri $script:Info.ApiUrl -SkipCertificateCheck) |
                ForEach-Object { $_.GetType().FullName | Should-Be 'Orchestrator.Ops.Core.Alerts.HealthAlert' }
        }
        finally {
            $env:ORCHESTRATOR_OPS_API_KEY = $null
        }
    }

    It 'reports a wrong key as ApiKeyRefused without the key' {
        $wrong = 'wrong-key-for-pester-1234'
        $err = $null
        try {
            Get-SystemHealth -Uri $script:Info.ApiUrl -ApiKey (ConvertTo-SecureString $wrong -AsPlainText -Force) -SkipCertificateCheck -ErrorAction Stop
        }
        catch { $err = $_ }
        $err | Should-NotBeNull
        $err.FullyQualifiedErrorId | Should-BeLikeString 'ApiKeyRefused,*'
        ($err | Out-String) | Should-NotMatchString ([regex]::Escape($wrong))
    }
}
