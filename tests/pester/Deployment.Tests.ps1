#Requires -Version 7.4
# Blue-green switches and rollbacks from real pwsh processes against a real sandbox fleet: the cmdlets in pipelines,
# -WhatIf, two processes racing for the lock, and a process killed with SIGKILL at every journaled step.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-Module (Get-OpsModuleManifest) -Force
    $script:Root = New-OpsTestDirectory -Prefix 'ops-deploy'
    $script:Sandbox = Start-OpsSandbox -Root $script:Root -PassThru
    $script:Config = $script:Sandbox.ConfigPath
    $script:AppFile = Join-Path $script:Root 'app.json'
    Set-Content -LiteralPath $script:AppFile -Value '{ "timeoutMs": 1000 }' -NoNewline
    $json = Get-Content -Raw -LiteralPath $script:Config | ConvertFrom-Json -AsHashtable
    # No traffic reaches the sandbox here, so every analysis is inconclusive: 'fail' makes it roll back.
    $json['deployment'] = @{ analysisIntervalSeconds = 0.3; analysisDurationSeconds = 60; warmupAttempts = 2; onInconclusive = 'fail'; rollbackFiles = @('app.json') }
    $json | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $script:Config
    $script:Stable = New-RollbackPoint -ConfigPath $script:Config -Description 'blue, known good' -Stable

    $script:Child = Join-Path $script:Root 'child.ps1'
    Set-Content -LiteralPath $script:Child -Value @'
param([string] $Module, [string] $Config, [string] $Command, [string] $Argument)
$ErrorActionPreference = 'Stop'
Import-Module $Module
if ($Command -eq 'switch') { Switch-DeploymentSlot $Argument -ConfigPath $Config -AnalysisDuration ([TimeSpan]::Parse($env:ANALYSIS)) -Confirm:$false | Out-String | Write-Output }
else { Invoke-Rollback -RollbackPointId ([long] $Argument) -ConfigPath $Config -Confirm:$false | Out-String | Write-Output }
'@

    function script:Start-Child([string] $Command, [string] $Argument, [string] $PauseAt, [string] $Analysis = '00:01:00') {
        Start-ChildPwsh -ScriptPath $script:Child -ArgumentList @("'$(Get-OpsModuleManifest)'", "'$script:Config'", $Command, $Argument) `
            -Environment @{ ORCHESTRATOR_OPS_TEST_PAUSE_AT = $PauseAt; ANALYSIS = $Analysis }
    }

    function script:Stop-Hard([System.Diagnostics.Process] $Process) {
        # Process.Kill is SIGKILL on Unix: no finally block, no cleanup runs.
        $Process.Kill($true)
        $Process.WaitForExit()
    }

    function script:Get-Active { (Get-DeploymentSlot -ConfigPath $script:Config | Where-Object Active).Name }

    function script:Reset-ToBlue {
        # A killed test's operation may still wait for recovery, which may already return traffic to blue.
        try { Switch-DeploymentSlot blue -ConfigPath $script:Config -AnalysisDuration 0 -SkipHealthGate -Confirm:$false -WarningAction SilentlyContinue | Out-Null }
        catch { if ($_.FullyQualifiedErrorId -notlike 'DeploymentInvalidRequest*') { throw } }
        Get-Active | Should-Be 'blue'
        @(Get-DeploymentHistory -Running -ConfigPath $script:Config).Count | Should-Be 0
        Remove-Item (Join-Path $script:Root 'deployment/paused-*') -ErrorAction SilentlyContinue
    }
}

AfterAll {
    Stop-OpsSandbox -Root $script:Root -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Switch-DeploymentSlot and friends in a session' {
    BeforeEach { Reset-ToBlue }

    It 'shows a rollback point in a list with its versions per slot and its files by path' {
        $list = $script:Stable | Format-List | Out-String -Width 200
        $list | Should-MatchString '(?m)^Versions\s*:\s*blue: external-tools 1\.0\.0, poml 1\.0\.0, routellm 1\.0\.0$'
        $list | Should-MatchString '(?m)^\s+green: external-tools 1\.1\.0, poml 1\.1\.0, routellm 1\.1\.0$'
        $list | Should-MatchString ('(?m)^Files\s*:\s*' + [regex]::Escape($script:Stable.Files[0].Path) + '$')
        $list | Should-NotMatchString 'Dictionary`2|RollbackFile \{'
    }

    It 'completes slot and wrapper names from the configuration' {
        $line = "Switch-DeploymentSlot -ConfigPath '$script:Config' -Slot "
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should-BeCollection @('blue', 'green')
        $line = "Get-WrapperHealth -ConfigPath '$script:Config' -Name "
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should-BeCollection @('external-tools', 'poml', 'routellm')
        $line = "Get-WrapperMetric -ConfigPath '$script:Config' -Name ro"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should-BeCollection @('routellm')
    }

    It 'previews a switch with -WhatIf, changing nothing' {
        # What-if lines go straight to the host: read them from a child pwsh's output.
        $script = Join-Path $script:Root 'whatif.ps1'
        Set-Content -LiteralPath $script -Value "Import-Module '$(Get-OpsModuleManifest)'; Switch-DeploymentSlot green -ConfigPath '$script:Config' -WhatIf"
        $text = (Invoke-ChildPwsh -ScriptPath $script).Output
        $text | Should-BeLikeString "*Switch traffic from 'blue' to 'green'*warm-up GET*"
        Get-Active | Should-Be 'blue'
    }

    It 'switches with no analysis and shows the result, the slots and the history' {
        $r = Switch-DeploymentSlot green -ConfigPath $script:Config -AnalysisDuration 0 -Confirm:$false
        "$($r.Outcome)" | Should-Be 'Switched'
        $r.PSObject.TypeNames[0] | Should-Be 'Orchestrator.Ops.Core.Deployment.DeploymentSwitchResult'
        @($r.GateResults | Where-Object Passed).Count | Should-Be 6
        Get-Active | Should-Be 'green'
        $green = Get-DeploymentSlot green -ConfigPath $script:Config
        $green.Version | Should-Be '1.1.0'
        $green.LastSwitchedBy | Should-BeLikeString "*@*"
        (Get-DeploymentHistory -ConfigPath $script:Config -Last 1).Id | Should-Be $r.OperationId
        ($r | Format-List | Out-String) | Should-BeLikeString '*6/6 checks passed*'
    }

    It 'rolls back an inconclusive analysis when the config says fail, with an error for scripts' {
        $r = Switch-DeploymentSlot green -ConfigPath $script:Config -AnalysisDuration 00:00:01 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        "$($r.Outcome)" | Should-Be 'RolledBack'
        "$($r.AnalysisVerdict)" | Should-Be 'Inconclusive'
        $r.Reason | Should-BeLikeString "*onInconclusive is 'fail'*"
        $err[0].FullyQualifiedErrorId | Should-BeLikeString 'SwitchRolledBack*'
        Get-Active | Should-Be 'blue'
    }

    It 'names unknown slots and rollback points with clear errors' {
        { Switch-DeploymentSlot purple -ConfigPath $script:Config -Confirm:$false } | Should-Throw -ExceptionMessage "*'purple' is not a configured slot*"
        { Invoke-Rollback -RollbackPointId 999999 -ConfigPath $script:Config -Confirm:$false } | Should-Throw -ExceptionMessage '*no rollback point #999999*'
    }

    It 'lists every file and the slot under Invoke-Rollback -WhatIf, and rolls back from the pipeline' {
        Switch-DeploymentSlot green -ConfigPath $script:Config -AnalysisDuration 0 -SkipHealthGate -Confirm:$false | Out-Null
        Set-Content -LiteralPath $script:AppFile -Value '{ "timeoutMs": 5 }' -NoNewline
        $script = Join-Path $script:Root 'whatif.ps1'
        Set-Content -LiteralPath $script -Value "Import-Module '$(Get-OpsModuleManifest)'; Invoke-Rollback -RollbackPointId $($script:Stable.Id) -ConfigPath '$script:Config' -WhatIf"
        $what = (Invoke-ChildPwsh -ScriptPath $script).Output
        $what | Should-BeLikeString "*Restore from rollback point #$($script:Stable.Id)*app.json*"
        $what | Should-BeLikeString "*Switch traffic from 'green' to 'blue'*"
        Get-Content -Raw -LiteralPath $script:AppFile | Should-Be '{ "timeoutMs": 5 }'

        $r = Get-RollbackPoint -Stable -ConfigPath $script:Config | Where-Object Id -eq $script:Stable.Id | Invoke-Rollback -ConfigPath $script:Config -Confirm:$false
        "$($r.Outcome)" | Should-Be 'RolledBack'
        Get-Content -Raw -LiteralPath $script:AppFile | Should-Be '{ "timeoutMs": 1000 }'
        Get-Active | Should-Be 'blue'
    }
}

Describe 'A switch killed with SIGKILL at each journaled step' {
    BeforeEach { Reset-ToBlue }

    It 'is recovered consistently after a kill at <Step>' -ForEach @(
        @{ Step = 'RollbackPointCreated'; Analysis = '00:01:00'; Expect = 'nothing had been switched' }
        @{ Step = 'Gated'; Analysis = '00:01:00'; Expect = 'nothing had been switched' }
        @{ Step = 'Switching'; Analysis = '00:01:00'; Expect = "traffic returned to 'blue'" }
        @{ Step = 'Switched'; Analysis = '00:01:00'; Expect = "traffic returned to 'blue'" }
        @{ Step = 'Analysing'; Analysis = '00:01:00'; Expect = "traffic returned to 'blue'" }
        @{ Step = 'RollingBack'; Analysis = '00:00:01'; Expect = "traffic returned to 'blue'" }
    ) {
        $child = Start-Child -Command switch -Argument green -PauseAt $Step -Analysis $Analysis
        try {
            Wait-ForFile -Path (Join-Path $script:Root "deployment/paused-$Step") -Process $child
            $killed = Get-DeploymentHistory -ConfigPath $script:Config -Running
            $killed.Count | Should-Be 1
            "$($killed.Step)" | Should-Be $Step

            # A second switch from another process while the first holds the lock: refused at once, naming it.
            { Switch-DeploymentSlot green -ConfigPath $script:Config -Confirm:$false } | Should-Throw -ExceptionMessage "*holds the lock*pid $($child.Id)*"
        }
        finally { Stop-Hard $child }

        # Run again: recovery first, then the new switch.
        $r = Switch-DeploymentSlot green -ConfigPath $script:Config -AnalysisDuration 0 -SkipHealthGate -Confirm:$false -WarningVariable warn -WarningAction SilentlyContinue
        "$($r.Outcome)" | Should-Be 'Switched'
        ($warn -join ' ') | Should-BeLikeString "*Recovered operation #$($killed.Id)*"
        $after = Get-DeploymentHistory -Id $killed.Id -ConfigPath $script:Config
        "$($after.State)" | Should-Be 'Recovered'
        $after.Outcome | Should-Be 'Aborted'
        $after.Reason | Should-BeLikeString "*$Expect*"
        @(Get-DeploymentHistory -Running -ConfigPath $script:Config).Count | Should-Be 0
        Get-Active | Should-Be 'green'
    }
}

Describe 'A rollback killed with SIGKILL at each journaled step' {
    BeforeEach { Reset-ToBlue }

    It 'is resumed to completion after a kill at <_>' -ForEach @('RestoringFiles', 'Switching', 'Verifying') {
        $step = $_
        Switch-DeploymentSlot green -ConfigPath $script:Config -AnalysisDuration 0 -SkipHealthGate -Confirm:$false | Out-Null
        Set-Content -LiteralPath $script:AppFile -Value '{ "timeoutMs": 7 }' -NoNewline
        $child = Start-Child -Command rollback -Argument $script:Stable.Id -PauseAt $step
        try { Wait-ForFile -Path (Join-Path $script:Root "deployment/paused-$step") -Process $child }
        finally { Stop-Hard $child }
        $killed = Get-DeploymentHistory -ConfigPath $script:Config -Running
        "$($killed.Kind)" | Should-Be 'Rollback'

        $r = Invoke-Rollback -RollbackPointId $script:Stable.Id -ConfigPath $script:Config -Confirm:$false -WarningAction SilentlyContinue
        "$($r.Outcome)" | Should-Be 'RolledBack'
        $after = Get-DeploymentHistory -Id $killed.Id -ConfigPath $script:Config
        "$($after.State)" | Should-Be 'Recovered'
        $after.Outcome | Should-Be 'RolledBack'
        Get-Content -Raw -LiteralPath $script:AppFile | Should-Be '{ "timeoutMs": 1000 }'
        Get-Active | Should-Be 'blue'
        @($r.Files | Where-Object Action -eq 'Restored').Count | Should-Be 0
    }
}

Describe 'Invoke-Deployment' {
    BeforeEach { Reset-ToBlue }

    BeforeAll {
        function script:New-VariantConfig([string] $Name, [hashtable] $Deployment) {
            $json = Get-Content -Raw -LiteralPath $script:Config | ConvertFrom-Json -AsHashtable
            foreach ($k in $Deployment.Keys) { $json['deployment'][$k] = $Deployment[$k] }
            $path = Join-Path $script:Root $Name
            $json | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $path
            $path
        }
    }

    It 'stops at a failing test command before anything is deployed, with the test output' {
        $config = New-VariantConfig 'failing-tests.json' @{ testCommand = @{ command = @('sh', '-c', 'echo 2 of 40 tests failed; exit 3'); timeoutSeconds = 30 } }
        $err = $null
        try { Invoke-Deployment 9.9.9 -ConfigPath $config -Confirm:$false | Out-Null } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should-BeLikeString 'DeploymentFailed*'
        $err.Exception.Message | Should-BeLikeString "*'Tests passed' failed*exited 3*2 of 40 tests failed*"
        (Get-DeploymentSlot green -ConfigPath $config).Version | Should-NotBe '9.9.9'
        Get-Active | Should-Be 'blue'
    }

    It 'stops at a failing deploy hook with traffic left where it was' {
        $config = New-VariantConfig 'failing-hook.json' @{ deployCommand = @{ command = @('sh', '-c', 'echo cannot reach the registry >&2; exit 1'); timeoutSeconds = 30 } }
        $result = $null
        try { Invoke-Deployment 9.9.9 -ConfigPath $config -Confirm:$false -OutVariable result | Out-Null } catch { $_.Exception.Message | Should-BeLikeString "*deploy hook failed*cannot reach the registry*traffic stays on 'blue'*" }
        $result[0].Outcome | Should-Be 'Failed'
        @($result[0].Phases | Where-Object Outcome -eq 'Failed').Name | Should-Be 'Install into standby slot'
        Get-Active | Should-Be 'blue'
    }

    It 'deploys a version into the standby slot of the sandbox and switches to it' {
        $r = Invoke-Deployment 1.2.0 -ConfigPath $script:Config -AnalysisDuration 0 -Confirm:$false
        $r.Outcome | Should-Be 'Deployed'
        $r.Slot | Should-Be 'green'
        @($r.Phases | Where-Object Outcome -eq 'Failed').Count | Should-Be 0
        ($r.Phases | Where-Object Name -eq 'Install into standby slot').Detail | Should-BeLikeString '*every wrapper of*reports 1.2.0*'
        (Get-DeploymentSlot green -ConfigPath $script:Config).Version | Should-Be '1.2.0'
        Get-Active | Should-Be 'green'
        ($r | Format-List | Out-String) | Should-BeLikeString '*Passed  Switch-DeploymentSlot*'
    }
}

Describe 'Test-OpsConfiguration -Drift' {
    It 'reports each configured file that differs from the newest stable rollback point' {
        New-RollbackPoint -ConfigPath $script:Config -Stable -Description 'drift baseline' | Out-Null
        Test-OpsConfiguration -Drift -ConfigPath $script:Config -Quiet | Should-BeTrue
        @(Test-OpsConfiguration -Drift -ConfigPath $script:Config).Count | Should-Be 0

        Set-Content -LiteralPath $script:AppFile -Value '{ "timeoutMs": 2 }' -NoNewline
        try {
            $d = @(Test-OpsConfiguration -Drift -ConfigPath $script:Config)
            $d.Count | Should-Be 1
            $d[0].Path | Should-Be $script:AppFile
            $d[0].Status | Should-Be 'Changed'
            $d[0].ActualSha256 | Should-NotBe $d[0].ExpectedSha256
            Test-OpsConfiguration -Drift -ConfigPath $script:Config -Quiet | Should-BeFalse
        }
        finally { Set-Content -LiteralPath $script:AppFile -Value '{ "timeoutMs": 1000 }' -NoNewline }
    }
}
