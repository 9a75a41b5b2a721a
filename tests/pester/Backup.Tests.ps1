#Requires -Version 7.4
# Backups from real pwsh processes on real files: the cmdlets in pipelines, damage found and refused, -WhatIf,
# retention, the drill, the lock between processes, and SIGKILL during a backup and during a restore.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-Module (Get-OpsModuleManifest) -Force
    $script:Root = New-OpsTestDirectory -Prefix 'ops-backup'
    $script:Sandbox = Start-OpsSandbox -Root $script:Root -PassThru
    $script:Config = $script:Sandbox.ConfigPath
    $script:App = Join-Path $script:Root 'app/wrappers.json'
    New-Item -ItemType Directory -Path (Split-Path $script:App) | Out-Null
    Set-Content -LiteralPath $script:App -Value '{ "timeoutMs": 1000 }' -NoNewline
    # A few MB that do not compress, so a backup takes long enough to be killed half-way.
    $bytes = [byte[]]::new(24MB); [Random]::new(7).NextBytes($bytes)
    [IO.File]::WriteAllBytes((Join-Path $script:Root 'app/model.bin'), $bytes)
    $json = Get-Content -Raw -LiteralPath $script:Config | ConvertFrom-Json -AsHashtable
    $json['backups'] = @{ paths = @('app') }
    $json | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $script:Config
    $script:BackupRoot = Join-Path $script:Root 'backups'
    # The state store exists once anything has looked at the fleet.
    Get-WrapperHealth -ConfigPath $script:Config | Out-Null

    $script:Child = Join-Path $script:Root 'child.ps1'
    Set-Content -LiteralPath $script:Child -Value @'
param([string] $Module, [string] $Config, [string] $Command, [string] $Argument)
$ErrorActionPreference = 'Stop'
Import-Module $Module
if ($Command -eq 'backup') { New-Backup -ConfigPath $Config -Description 'child' | Out-String | Write-Output }
else { Restore-Backup -Id $Argument -ConfigPath $Config -Confirm:$false | Out-String | Write-Output }
'@
    function script:Start-Child([string] $Command, [string] $Argument = '-', [string] $PauseAt) {
        Start-ChildPwsh -ScriptPath $script:Child -ArgumentList @("'$(Get-OpsModuleManifest)'", "'$script:Config'", $Command, $Argument) `
            -Environment @{ ORCHESTRATOR_OPS_TEST_PAUSE_AT = $PauseAt }
    }
    function script:Stop-Hard([System.Diagnostics.Process] $Process) { $Process.Kill($true); $Process.WaitForExit() }
    function script:Invoke-WhatIf([string] $Command) {
        $script = Join-Path $script:Root 'whatif.ps1'
        Set-Content -LiteralPath $script -Value "Import-Module '$(Get-OpsModuleManifest)'; $Command"
        (Invoke-ChildPwsh -ScriptPath $script).Output
    }
}

AfterAll {
    Stop-OpsSandbox -Root $script:Root -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Backups in a session' {
    It 'makes a verified backup that Get-Backup lists and Test-Backup passes' {
        $b = New-Backup -ConfigPath $script:Config -Description 'first' -Tag pester
        $b.PSObject.TypeNames[0] | Should-Be 'Orchestrator.Ops.Core.Backups.Backup'
        $b.Verified | Should-BeTrue
        @($b.Entries.Path) -contains 'opsroot/app/model.bin' | Should-BeTrue
        @($b.Entries.Path) -contains 'opsroot/state/ops.db' | Should-BeTrue
        $list = $b | Format-List | Out-String -Width 200
        $list | Should-MatchString '(?m)^Entries\s*:\s*opsroot/\S+$'
        $list | Should-MatchString '(?m)^\s+opsroot/app/model\.bin$|^Entries\s*:\s*opsroot/app/model\.bin$'
        $list | Should-NotMatchString 'BackupEntry \{'
        (Get-Backup -ConfigPath $script:Config -Tag pes*).Id | Should-Be $b.Id
        (Get-Backup -ConfigPath $script:Config -Id $b.Id).Verified | Should-BeNull
        $t = Get-Backup -ConfigPath $script:Config -Id $b.Id | Test-Backup -ConfigPath $script:Config -ReadData
        $t.Passed | Should-BeTrue
        $t.BytesChecked | Should-Be $b.Bytes
        (Get-Backup -ConfigPath $script:Config | Format-Table | Out-String -Width 200) | Should-BeLikeString '*pester*first*'
        # The table fits an 80-column console: its last header is not broken over lines.
        (Get-Backup -ConfigPath $script:Config | Format-Table | Out-String -Width 80) | Should-MatchString '\bTag\s+Description\b'
    }

    It 'lists what an in-place restore would create, replace or leave alone, and restores from the pipeline' {
        $b = New-Backup -ConfigPath $script:Config
        Set-Content -LiteralPath $script:App -Value '{ "timeoutMs": 1 }' -NoNewline
        $what = Invoke-WhatIf "Restore-Backup -Id $($b.Id) -ConfigPath '$script:Config' -WhatIf"
        $what | Should-BeLikeString "*Replace with the copy in backup $($b.Id)*wrappers.json*"
        $what | Should-BeLikeString '*Leave alone (already equal)*model.bin*'
        Get-Content -Raw -LiteralPath $script:App | Should-Be '{ "timeoutMs": 1 }'

        $r = Get-Backup -ConfigPath $script:Config -Id $b.Id | Restore-Backup -ConfigPath $script:Config -Confirm:$false
        $r.InPlace | Should-BeTrue
        $r.Verified | Should-BeTrue
        $r.SafetyBackupId | Should-NotBe $null
        Get-Content -Raw -LiteralPath $script:App | Should-Be '{ "timeoutMs": 1000 }'
        (Get-Backup -ConfigPath $script:Config -Id $r.SafetyBackupId).Tag | Should-Be 'safety'
    }

    It 'finds a flipped byte with -ReadData and refuses to restore it, changing nothing' {
        $b = New-Backup -ConfigPath $script:Config
        $bytes = [IO.File]::ReadAllBytes($b.Location)
        $bytes[[int]($bytes.Length * 0.6)] = $bytes[[int]($bytes.Length * 0.6)] -bxor 0x10
        [IO.File]::WriteAllBytes($b.Location, $bytes)
        Set-Content -LiteralPath $script:App -Value '{ "timeoutMs": 2 }' -NoNewline

        $t = Test-Backup -Id $b.Id -ConfigPath $script:Config -ReadData -WarningVariable warn -WarningAction SilentlyContinue
        $t.Passed | Should-BeFalse
        $t.Damaged[0].Path | Should-NotBe $null
        ($warn -join ' ') | Should-BeLikeString "*Backup $($b.Id) is damaged*"
        { Restore-Backup -Id $b.Id -ConfigPath $script:Config -Confirm:$false } | Should-Throw -ExceptionMessage "*$($b.Id) is damaged and was not restored*nothing was changed*"
        Get-Content -Raw -LiteralPath $script:App | Should-Be '{ "timeoutMs": 2 }'
        Remove-Backup -Id $b.Id -ConfigPath $script:Config -Confirm:$false
        Set-Content -LiteralPath $script:App -Value '{ "timeoutMs": 1000 }' -NoNewline
    }

    It 'reports an archive cut short in the structural check' {
        $b = New-Backup -ConfigPath $script:Config
        $stream = [IO.File]::Open($b.Location, 'Open', 'ReadWrite')
        try { $stream.SetLength([long]($stream.Length / 2)) } finally { $stream.Dispose() }
        $t = Test-Backup -Id $b.Id -ConfigPath $script:Config -WarningAction SilentlyContinue
        $t.Passed | Should-BeFalse
        Remove-Backup -Id $b.Id -ConfigPath $script:Config -Confirm:$false
    }

    It 'runs the disaster-recovery drill' {
        $report = Invoke-DisasterRecoveryTest -ConfigPath $script:Config
        $report.Passed | Should-BeTrue
        $report.StoreOpened | Should-BeTrue
        $report.StoreIntegrity | Should-Be 'ok'
        $report.FilesRestored | Should-BeGreaterThan 2
    }

    It 'previews retention with -WhatIf and keeps what the policy says' {
        $before = @(Get-Backup -ConfigPath $script:Config)
        $before.Count | Should-BeGreaterThan 2
        $what = Invoke-WhatIf "Remove-Backup -KeepLast 1 -ConfigPath '$script:Config' -WhatIf"
        $what | Should-BeLikeString "*backup $($before[1].Id)*Remove (not kept by the policy)*"
        @(Get-Backup -ConfigPath $script:Config).Count | Should-Be $before.Count

        $decisions = Remove-Backup -KeepLast 1 -ConfigPath $script:Config -PassThru -Confirm:$false
        @($decisions | Where-Object Keep).Id | Should-Be $before[0].Id
        @(Get-Backup -ConfigPath $script:Config).Id | Should-Be $before[0].Id
    }
}

Describe 'Backups killed with SIGKILL, and the lock between processes' {
    It 'lists no partial backup after a kill half-way through the archive, and the next backup works' {
        $before = @(Get-Backup -ConfigPath $script:Config).Id
        $child = Start-Child -Command backup -PauseAt BackupWrite
        try {
            Wait-ForFile -Path (Join-Path $script:Root 'backup-test/paused-BackupWrite') -Process $child
            # The child holds the root's lock: a second operation is refused at once, naming it.
            { New-Backup -ConfigPath $script:Config } | Should-Throw -ExceptionMessage "*holds the lock*pid $($child.Id), New-Backup*"
        }
        finally { Stop-Hard $child }

        @(Get-Backup -ConfigPath $script:Config).Id | Should-Be $before
        @(Get-ChildItem -LiteralPath $script:BackupRoot -Force -Filter '.*.tmp').Count | Should-BeGreaterThan 0
        $b = New-Backup -ConfigPath $script:Config
        @(Get-ChildItem -LiteralPath $script:BackupRoot -Force -Filter '.*.tmp').Count | Should-Be 0
        $b.Verified | Should-BeTrue
        (Test-Backup -Id $b.Id -ConfigPath $script:Config -ReadData).Passed | Should-BeTrue
    }

    It 'completes an in-place restore killed half-way when it is run again' {
        $b = New-Backup -ConfigPath $script:Config
        Set-Content -LiteralPath $script:App -Value '{ "timeoutMs": 3 }' -NoNewline
        [IO.File]::WriteAllBytes((Join-Path $script:Root 'app/model.bin'), [byte[]]::new(10))
        $child = Start-Child -Command restore -Argument $b.Id -PauseAt RestoreSwap
        try { Wait-ForFile -Path (Join-Path $script:Root 'backup-test/paused-RestoreSwap') -Process $child }
        finally { Stop-Hard $child }

        $r = Restore-Backup -Id $b.Id -ConfigPath $script:Config -Confirm:$false -WarningVariable warn -WarningAction SilentlyContinue
        ($warn -join ' ') | Should-BeLikeString '*earlier in-place restore was interrupted*'
        $r.Verified | Should-BeTrue
        Get-Content -Raw -LiteralPath $script:App | Should-Be '{ "timeoutMs": 1000 }'
        (Get-Item (Join-Path $script:Root 'app/model.bin')).Length | Should-Be 24MB
    }
}
