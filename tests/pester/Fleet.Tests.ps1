#Requires -Version 7.4
# A fleet larger than the default three wrappers: Start-OpsSandbox -Wrappers N, each wrapper in both slots, with its
# own token, probed and assessed like the three.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-Module (Get-OpsModuleManifest) -Force
    $script:Root = New-OpsTestDirectory -Prefix 'ops-fleet'
    $script:Sandbox = Start-OpsSandbox -Root $script:Root -Wrappers 12 -PassThru
    $script:Config = $script:Sandbox.ConfigPath
}

AfterAll {
    Stop-OpsSandbox -Root $script:Root -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Start-OpsSandbox -Wrappers' {
    It 'starts every wrapper in both slots and writes them all into its configuration' {
        $script:Sandbox.Instances.Count | Should-Be 24
        @($script:Sandbox.Instances.BaseUrl | Sort-Object -Unique).Count | Should-Be 24
        $config = Get-Content -Raw -LiteralPath $script:Config | ConvertFrom-Json
        @($config.wrappers).Count | Should-Be 12
        @($config.wrappers.name) -contains 'external-tools-12' | Should-BeTrue
    }

    It 'gives each wrapper its token, so every instance answers the probes: all 24 are Healthy' {
        # minimumSamples is 3 in the sandbox's configuration.
        1..2 | ForEach-Object { Get-WrapperHealth -Live -ConfigPath $script:Config | Out-Null }
        $all = @(Get-WrapperHealth -Live -ConfigPath $script:Config)
        $all.Count | Should-Be 24
        $notHealthy = @($all | Where-Object Status -ne 'Healthy' | ForEach-Object { "$($_.Name)/$($_.Slot) $($_.Status): $($_.Message)" })
        $notHealthy | Should-BeCollection @()
        @(Get-ManagedSecret -ConfigPath $script:Config | Where-Object Name -like 'poml-*').Count | Should-BeGreaterThan 0
    }

    It 'refuses a fleet size out of range before starting anything' {
        { Start-OpsSandbox -Root (Join-Path $script:Root 'other') -Wrappers 0 } | Should-Throw -ExceptionType ([System.Management.Automation.ParameterBindingException])
        { Start-OpsSandbox -Root (Join-Path $script:Root 'other') -Wrappers 501 } | Should-Throw -ExceptionType ([System.Management.Automation.ParameterBindingException])
        Test-Path (Join-Path $script:Root 'other') | Should-BeFalse
    }
}
