#Requires -Version 7.4
# build.ps1's check of the programs its tasks run besides the SDK (build/Prerequisites.psd1): installed
# when it may, else one message before anything is built.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $script:Repo = Get-OpsRepositoryRoot
    Import-Module (Join-Path $script:Repo 'build/Prerequisites.psm1') -Force
    $script:Work = New-OpsTestDirectory -Prefix 'ops-prereq'
    $script:Missing = "ops-missing-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $script:List = Join-Path $script:Work 'list.psd1'
    Set-Content -LiteralPath $script:List -Value @"
@{
    Programs = @(
        @{ Command = '$script:Missing'; Package = 'ops-fake-package'; Tasks = @('Test'); Why = 'a test needs it' }
        @{ Command = 'dotnet'; Package = 'dotnet-sdk'; Tasks = @('Test', 'Bench'); Why = 'builds everything' }
    )
}
"@
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The prerequisite list' {
    It 'names, for the Test task, nginx, chromium and curl with their Debian packages' {
        $names = @(Get-Prerequisite -Task Test | ForEach-Object { "$($_.Command)=$($_.Package)" })
        $names | Should -Contain 'nginx=nginx'
        $names | Should -Contain 'chromium=chromium'
        $names | Should -Contain 'curl=curl'
    }

    It 'asks nothing of the Build and Package tasks' {
        @(Get-Prerequisite -Task Build).Count | Should -Be 0
        @(Get-Prerequisite -Task Package).Count | Should -Be 0
    }

    It 'finds what is on PATH and only that' {
        $found = @(Get-Prerequisite -Task Test -ListPath $script:List)
        ($found | Where-Object Command -EQ 'dotnet').Path | Should -Not -BeNullOrEmpty
        ($found | Where-Object Command -EQ $script:Missing).Path | Should -BeNullOrEmpty
    }
}

Describe 'Assert-Prerequisite' {
    It 'stops with one message naming the missing program, its package, why, and the install command, when it may not install' {
        $called = [System.Collections.Generic.List[object]]::new()
        $e = { Assert-Prerequisite -Task Test -ListPath $script:List -CanInstall $false -Installer { param($p) $called.Add($p) } } |
            Should -Throw -PassThru
        $called.Count | Should -Be 0
        $message = $e.Exception.Message
        $message | Should -BeLike "The Test task needs programs that are not on PATH*"
        $message | Should -BeLike "*$($script:Missing) (Debian package 'ops-fake-package'): a test needs it*"
        $message | Should -BeLike '*sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ops-fake-package*'
        $message | Should -Not -BeLike '*dotnet-sdk*'
    }

    It 'does not install with -NoInstall, and says so' {
        $called = [System.Collections.Generic.List[object]]::new()
        $e = { Assert-Prerequisite -Task Test -ListPath $script:List -CanInstall $true -NoInstall -Installer { param($p) $called.Add($p) } } |
            Should -Throw -PassThru
        $called.Count | Should -Be 0
        $e.Exception.Message | Should -BeLike '*installing was turned off (-NoInstall)*'
    }

    It 'installs the missing packages once when it may, and goes on when they are then on PATH' {
        $bin = Join-Path $script:Work 'bin'
        $null = New-Item -ItemType Directory -Path $bin -Force
        $called = [System.Collections.Generic.List[object]]::new()
        $saved = $env:PATH
        try {
            $env:PATH = "$bin$([IO.Path]::PathSeparator)$saved"
            $installer = {
                param([string[]] $Packages)
                $called.Add($Packages)
                $program = Join-Path $bin $script:Missing
                Set-Content -LiteralPath $program -Value "#!/bin/sh`nexit 0"
                & chmod +x $program
            }
            Assert-Prerequisite -Task Test -ListPath $script:List -CanInstall $true -Installer $installer
        }
        finally {
            $env:PATH = $saved
        }
        $called.Count | Should -Be 1
        @($called[0]) | Should -Be @('ops-fake-package')
    }

    It 'fails clearly when the install did not bring the program' {
        $e = { Assert-Prerequisite -Task Test -ListPath $script:List -CanInstall $true -Installer { param($p) } } | Should -Throw -PassThru
        $e.Exception.Message | Should -BeLike "*still not on PATH after installing ops-fake-package: $($script:Missing)*"
    }

    It 'allows installing only as root on a Debian-like system with apt-get, and says why not otherwise' {
        (Get-AptInstallAbility -Linux $true -DebianLike $true -HasAptGet $true -UserId '0').Able | Should -BeTrue
        $cases = @(
            @{ Args = @{ Linux = $false; DebianLike = $false; HasAptGet = $false; UserId = '' }; Reason = '*not a Debian-like system*' }
            @{ Args = @{ Linux = $true; DebianLike = $false; HasAptGet = $true; UserId = '0' }; Reason = '*not a Debian-like system*' }
            @{ Args = @{ Linux = $true; DebianLike = $true; HasAptGet = $false; UserId = '0' }; Reason = '*apt-get is not on PATH*' }
            @{ Args = @{ Linux = $true; DebianLike = $true; HasAptGet = $true; UserId = '1000' }; Reason = '*only when the task runs as root*' }
        )
        foreach ($case in $cases) {
            $splat = $case.Args
            $ability = Get-AptInstallAbility @splat
            $ability.Able | Should -BeFalse
            $ability.Reason | Should -BeLike $case.Reason
        }
    }
}

Describe 'build.ps1 with a program missing' {
    It 'stops before building, exit code 2, naming every missing program and the command' {
        # A PATH holding dotnet alone: nginx, chromium, curl, script, systemd-analyze and kill are all missing.
        $bin = Join-Path $script:Work 'dotnet-only'
        $null = New-Item -ItemType Directory -Path $bin -Force
        $dotnet = (Get-Command dotnet -CommandType Application)[0].Source
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $bin 'dotnet') -Target $dotnet
        $run = Invoke-ChildPwsh -ScriptPath (Join-Path $script:Repo 'build.ps1') -ArgumentList @('Test', '-NoInstall') -TimeoutSeconds 120 -Environment @{ PATH = $bin }
        $run.ExitCode | Should -Be 2 -Because "$($run.Output) $($run.Error)"
        $run.Output | Should -Not -BeLike '*==> Build*'
        foreach ($program in 'nginx', 'chromium', 'curl') {
            $run.Error | Should -BeLike "*  $program (Debian package '$program')*"
        }
        $run.Error | Should -BeLike "*  script (Debian package 'bsdutils')*"
        $run.Error | Should -BeLike "*  systemd-analyze (Debian package 'systemd')*"
        $run.Error | Should -BeLike '*apt-get install -y --no-install-recommends bsdutils chromium curl nginx procps systemd*'
    }
}
