#Requires -Version 7.4
# A machine with PowerShell but without the ASP.NET Core runtime, which the sandbox and the service run on.
# Made real: a .NET installation laid out as the host lays it out, with the host and the base runtime
# (Microsoft.NETCore.App, enough for pwsh) and nothing else, and a child pwsh run by that host with
# DOTNET_ROOT pointing at it. Start-OpsSandbox and Start-OpsService must stop at once with an error that
# names what to install, and start nothing.

BeforeDiscovery {
    # pwsh.dll run by a dotnet host needs a framework-dependent PowerShell (the dotnet tool is one; the
    # packages from Microsoft are self-contained and have no host of their own to swap).
    $config = Join-Path $PSHOME 'pwsh.runtimeconfig.json'
    $script:FrameworkDependent = (Test-Path $config) -and ((Get-Content $config -Raw) -match '"framework')
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-Module (Get-OpsModuleManifest) -Force
    $script:Work = New-OpsTestDirectory -Prefix 'ops-runtime'

    # The real installation behind this process's host.
    $hostPath = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($hostPath) -ne 'dotnet') { $hostPath = (Get-Command dotnet -CommandType Application)[0].Source }
    $real = Split-Path ((Get-Item $hostPath).ResolveLinkTarget($true)?.FullName ?? $hostPath) -Parent

    # The bare installation: a copy of the host (it finds host/ and shared/ beside its own file), links to
    # the real hostfxr and base runtime, no Microsoft.AspNetCore.App.
    $script:BareRoot = Join-Path $script:Work 'dotnet-bare'
    $null = New-Item -ItemType Directory -Path (Join-Path $script:BareRoot 'shared')
    Copy-Item (Join-Path $real 'dotnet') $script:BareRoot
    $null = New-Item -ItemType SymbolicLink -Path (Join-Path $script:BareRoot 'host') -Target (Join-Path $real 'host')
    $null = New-Item -ItemType SymbolicLink -Path (Join-Path $script:BareRoot 'shared/Microsoft.NETCore.App') -Target (Join-Path $real 'shared/Microsoft.NETCore.App')

    # A real sandbox, started here on the full runtime, gives the child a valid configuration to start a service for.
    $script:SandboxRoot = Join-Path $script:Work 'sandbox'
    $sandbox = Start-OpsSandbox -Root $script:SandboxRoot -PassThru
    $config = Get-Content -Raw $sandbox.ConfigPath | ConvertFrom-Json -AsHashtable
    $config.service = @{ apiPort = 0; gatewayPort = 0 }
    $config.Remove('$schema')
    $script:Config = Join-Path $script:SandboxRoot 'bare-runtime.json'
    $config | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $script:Config

    $script:Child = Join-Path $script:Work 'bare.ps1'
    Set-Content -LiteralPath $script:Child -Encoding utf8NoBOM -Value @'
param([string] $Manifest, [string] $Root, [string] $Config)
$ErrorActionPreference = 'Stop'
$r = [ordered]@{ Host = [Environment]::ProcessPath; Frameworks = @(& ([Environment]::ProcessPath) --list-runtimes) }
Import-Module $Manifest
foreach ($case in @(
        @{ Name = 'Sandbox'; Run = { Start-OpsSandbox -Root $Root } },
        @{ Name = 'Service'; Run = { Start-OpsService -ConfigPath $Config -Confirm:$false } })) {
    try { & $case.Run; $r[$case.Name] = @{ Succeeded = $true } }
    catch {
        $r[$case.Name] = @{
            ErrorId = $_.FullyQualifiedErrorId
            Category = "$($_.CategoryInfo.Category)"
            Target = "$($_.TargetObject)"
            Message = $_.Exception.Message
            Action = $_.ErrorDetails.RecommendedAction
        }
    }
}
"RESULT $($r | ConvertTo-Json -Compress -Depth 4)"
'@
}

AfterAll {
    Stop-OpsService -ConfigPath $script:Config -Confirm:$false -ErrorAction SilentlyContinue
    Stop-OpsSandbox -Root $script:SandboxRoot -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Starting the sandbox or the service on a .NET without the ASP.NET Core runtime' -Skip:(-not $script:FrameworkDependent) {
    BeforeAll {
        $childRoot = Join-Path $script:Work 'child-sandbox'
        $run = Invoke-ChildPwsh -DotnetHost (Join-Path $script:BareRoot 'dotnet') -ScriptPath $script:Child -TimeoutSeconds 120 -CloseStandardInput `
            -ArgumentList '-Manifest', (Get-OpsModuleManifest), '-Root', $childRoot, '-Config', $script:Config `
            -Environment @{ DOTNET_ROOT = $script:BareRoot } -RemoveEnvironment 'DOTNET_HOST_PATH'
        if ($run.TimedOut) { throw 'The child on the bare .NET did not finish within 120 s.' }
        $script:Out = $run.Output
        $script:Err = $run.Error
        $script:R = $run.Result
        $script:ChildRoot = $childRoot
    }

    It 'runs the child on the bare installation, which has the base runtime only' {
        $script:R | Should -Not -BeNullOrEmpty -Because "the child prints its RESULT line. Output: $script:Out Errors: $script:Err"
        $script:R.Host | Should -Be (Join-Path $script:BareRoot 'dotnet')
        @($script:R.Frameworks | Where-Object { $_ -like 'Microsoft.AspNetCore.App*' }).Count | Should -Be 0
        @($script:R.Frameworks | Where-Object { $_ -like 'Microsoft.NETCore.App*' }).Count | Should -BeGreaterThan 0
    }

    It '<Cmdlet> fails with DotnetRuntimeMissing naming the ASP.NET Core runtime and how to install it' -ForEach @(
        @{ Name = 'Sandbox'; Cmdlet = 'Start-OpsSandbox' }, @{ Name = 'Service'; Cmdlet = 'Start-OpsService' }) {
        $e = $script:R.$Name
        $e.Succeeded | Should -BeNullOrEmpty
        $e.ErrorId | Should -BeLike 'DotnetRuntimeMissing,*'
        $e.Category | Should -Be 'NotInstalled'
        $e.Target | Should -Be 'Microsoft.AspNetCore.App'
        $e.Message | Should -BeLike '*needs the ASP.NET Core runtime (Microsoft.AspNetCore.App 8.0.0 or later)*'
        $e.Message | Should -BeLike "*the .NET at '$($script:BareRoot)' does not have it (it has Microsoft.NETCore.App *"
        $e.Action | Should -BeLike '*apt-get install aspnetcore-runtime-8.0*'
        $e.Action | Should -BeLike "*dotnet-install.sh --runtime aspnetcore --channel 8.0 --install-dir '$($script:BareRoot)'*"
    }

    It 'starts nothing' {
        Test-Path (Join-Path $script:ChildRoot 'sandbox.json') | Should -BeFalse
        (Get-OpsService -ConfigPath $script:Config).Running | Should -BeFalse
    }
}
