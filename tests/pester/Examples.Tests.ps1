#Requires -Version 7.4
# The scheduled-script examples (examples/) run the way cron, a systemd timer or a Hybrid Runbook Worker runs them:
# `pwsh -NoProfile -NonInteractive -File`, standard input closed, no HOME or TERM, the module found by name through
# PSModulePath, a wall-clock limit (a hang is a failure). Against a healthy sandbox fleet, the same fleet degraded,
# and a broken one (a wrapper of the active slot down, then one hanging): exit codes, the summary lines, the
# reports, the vault key from the environment only or from nowhere. The systemd units are checked too.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-Module (Get-OpsModuleManifest) -Force
    $script:Examples = Join-Path (Get-OpsRepositoryRoot) 'examples'
    $script:Work = New-OpsTestDirectory -Prefix 'ops-examples'

    # A module folder named Orchestrator.Ops on the children's PSModulePath, so the scripts' `Import-Module
    # Orchestrator.Ops` finds the build under test by name, as on a host where it is installed.
    $script:ModulePath = Join-Path $script:Work 'modules'
    $null = New-Item -ItemType Directory -Path $script:ModulePath
    $null = New-Item -ItemType SymbolicLink -Path (Join-Path $script:ModulePath 'Orchestrator.Ops') -Target (Get-OpsModuleDirectory)
    $script:NoModules = Join-Path $script:Work 'no-modules'
    $null = New-Item -ItemType Directory -Path $script:NoModules
    $script:Scheduled = @('HOME', 'TERM', 'ORCHESTRATOR_OPS_CONFIG', 'ORCHESTRATOR_OPS_VAULT_KEY', 'ORCHESTRATOR_OPS_API_KEY')

    function script:Invoke-Example {
        <# Runs examples/<Script> as a scheduler would; throws when it has not ended within -TimeoutSeconds (it is killed). #>
        param(
            [Parameter(Mandatory)] [string] $Script,
            [string[]] $ArgumentList = @(),
            [hashtable] $Environment = @{},
            [int] $TimeoutSeconds = 120,
            [string] $ModulePath = $script:ModulePath
        )
        $environment = @{ PSModulePath = $ModulePath } + $Environment
        $remove = @($script:Scheduled | Where-Object { -not $Environment.ContainsKey($_) })
        $r = Invoke-ChildPwsh -ScriptPath (Join-Path $script:Examples $Script) -ArgumentList $ArgumentList -Environment $environment `
            -RemoveEnvironment $remove -CloseStandardInput -TimeoutSeconds $TimeoutSeconds
        if ($r.TimedOut) {
            throw "$Script did not end within $TimeoutSeconds s and was killed: a scheduled script must never hang. Output: $($r.Output) Errors: $($r.Error)"
        }
        $r | Add-Member -NotePropertyName Lines -NotePropertyValue @($r.Output -split '\r?\n' | Where-Object { $_ -ne '' }) -PassThru
    }

    function script:New-TestFleet([string] $Prefix) {
        <#
            A sandbox fleet and a configuration for it: short probe timeouts, every daily run probing (interval 1 s),
            P95 over 1000 ms breaching; three probe rounds and a verified backup, so the daily checklist can pass.
        #>
        $root = New-OpsTestDirectory -Prefix $Prefix
        $sandbox = Start-OpsSandbox -Root $root -PassThru
        $json = Get-Content -Raw -LiteralPath $sandbox.ConfigPath | ConvertFrom-Json -AsHashtable
        $json.Remove('$schema')
        $json.healthChecks = @{ intervalSeconds = 1; timeoutSeconds = 5; retries = 1; retryDelayMs = 50 }
        $json.thresholds = @{ maxP95Ms = 1000 }
        $config = Join-Path $root 'examples-test.json'
        $json | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $config
        # The same fleet probed hourly: only -Live probes a wrapper probed within the hour.
        $json.healthChecks.intervalSeconds = 3600
        $hourly = Join-Path $root 'examples-hourly.json'
        $json | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $hourly
        $json.healthChecks.intervalSeconds = 1
        # The same fleet with an external secret that has no value yet: always due, only a person can supply it.
        $json['secrets']['items'] += @(@{ name = 'provider-key'; source = 'external'; targets = @(@{ type = 'file'; path = 'app/provider.key' }) })
        $external = Join-Path $root 'examples-external.json'
        $json | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $external
        1..3 | ForEach-Object { Get-WrapperHealth -ConfigPath $config -Live | Out-Null }
        $backup = New-Backup -ConfigPath $config -Description 'examples test'
        [pscustomobject]@{
            Root     = $root
            Config   = $config
            Hourly   = $hourly
            External = $external
            Control  = $sandbox.ControlUrl.AbsoluteUri.TrimEnd('/')
            Backup   = $backup
            Reports  = Join-Path $root 'reports'
            KeyFile  = Join-Path $root 'secrets/vault.key'
            Vault    = Join-Path $root 'secrets/vault.bin'
        }
    }

    function script:Join-ErrorText([string] $Text) {
        <# pwsh's error view wraps a long message onto '|'-prefixed lines; one line again, for matching. #>
        ($Text -replace '\s*\r?\n\s*\|?\s*', ' ').Trim()
    }

    function script:Get-RequestCount($Fleet) {
        <# Requests each sandbox instance has served, by wrapper/slot. #>
        $counts = @{}
        (Invoke-RestMethod -Uri "$($Fleet.Control)/control/state") | ForEach-Object { $counts["$($_.wrapper)/$($_.slot)"] = [int] $_.requests }
        $counts
    }

    function script:Set-Instance($Fleet, [string] $Wrapper, [string] $Slot, [string] $Body) {
        Invoke-RestMethod -Method Post -Uri "$($Fleet.Control)/control/instances/$Wrapper/$Slot" -ContentType 'application/json' -Body $Body | Out-Null
    }

    function script:Get-EnvValue([string] $Path, [string] $Name) {
        $line = Get-Content -LiteralPath $Path | Where-Object { $_ -like "$Name=*" } | Select-Object -First 1
        if ($line) { $line.Substring($Name.Length + 1) } else { $null }
    }

    function script:Get-DailyReport($Result, $Fleet) {
        <# The report the summary line names: in the fleet's reports folder, named by today's (or, past midnight, yesterday's) date. #>
        $Result.Lines[-1] -match '; report (\S+\.md); exit \d$' | Should-BeTrue -Because "the summary line names the report: $($Result.Lines[-1])"
        $path = $Matches[1]
        Split-Path $path -Parent | Should-Be $Fleet.Reports
        $names = (Get-Date), (Get-Date).AddMinutes(-10) | ForEach-Object { 'daily-maintenance-{0}.md' -f $_.ToString('yyyy-MM-dd', [cultureinfo]::InvariantCulture) }
        $names | Should-ContainCollection @(Split-Path $path -Leaf)
        Test-Path -LiteralPath $path | Should-BeTrue
        $path
    }

    $script:Healthy = New-TestFleet 'ops-examples-healthy'
    $script:Broken = New-TestFleet 'ops-examples-broken'
}

AfterAll {
    foreach ($fleet in $script:Healthy, $script:Broken) {
        if ($fleet) {
            Stop-OpsSandbox -Root $fleet.Root -ErrorAction SilentlyContinue
            Remove-Item -LiteralPath $fleet.Root -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The example scripts' {
    It 'parse, and set ErrorActionPreference Stop and ProgressPreference SilentlyContinue: <_>' -ForEach @(
        'Invoke-DailyMaintenance.ps1', 'Test-FleetHealth.ps1', 'Invoke-MonthlySecretRotation.ps1', 'azure-automation/Invoke-OpsDailyCheck.ps1'
    ) {
        $tokens = $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $script:Examples $_), [ref] $tokens, [ref] $errors)
        $errors.Count | Should-Be 0
        $assignments = $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.AssignmentStatementAst] }, $false) | ForEach-Object { "$_" }
        $assignments | Should-ContainCollection @("`$ErrorActionPreference = 'Stop'", "`$ProgressPreference = 'SilentlyContinue'")
        # Every state-changing cmdlet they call is told not to confirm.
        $text = Get-Content -Raw -LiteralPath (Join-Path $script:Examples $_)
        if ($text -match 'Update-Secret|Invoke-OpsRunbook') { $text | Should-MatchString 'Confirm\s*=\s*\$false' }
        # The help documents what the script does (and, for the three exit-code scripts, the codes).
        # (Get-Help falls back to the syntax line when the comment-based help does not parse, e.g. with #Requires
        # directly above it.)
        $help = Get-Help (Join-Path $script:Examples $_) -Full
        $help.Synopsis | Should-NotBeLikeString '*<CommonParameters>*'
        $help.Synopsis.Length | Should-BeGreaterThan 60
        @($help.examples.example).Count | Should-BeGreaterThan 1
        $help.parameters.parameter | Where-Object name -NE 'UnknownArgument' | ForEach-Object { "$($_.description.Text)" | Should-NotBe '' -Because "-$($_.name) is described" }
        if ($_ -notlike 'azure-automation/*') { ($help.description.Text -join "`n") | Should-MatchString '(?s)0 .*1 .*2 .*3 .*could not run' }
    }

    It 'are listed in examples/README.md with their exit codes and the Linux Hybrid Worker note' {
        $readme = Get-Content -Raw -LiteralPath (Join-Path $script:Examples 'README.md')
        foreach ($name in 'Invoke-DailyMaintenance.ps1', 'Test-FleetHealth.ps1', 'Invoke-MonthlySecretRotation.ps1', 'azure-automation/Invoke-OpsDailyCheck.ps1', 'systemd/orchestrator-ops-daily.service') {
            $readme | Should-BeLikeString "*``$name*"
        }
        $readme | Should-MatchString '(?m)^\| 3 \| could not run \| could not run \| could not run'
        $readme | Should-BeLikeString '*Linux Hybrid Runbook Worker*'
        $readme | Should-BeLikeString '*systemctl enable --now orchestrator-ops-daily.timer*'
    }
}

Describe 'When the script cannot run, it says why on standard error and exits 3' {
    It '<Script> without the module installed' -ForEach @(
        @{ Script = 'Invoke-DailyMaintenance.ps1' }, @{ Script = 'Test-FleetHealth.ps1' }, @{ Script = 'Invoke-MonthlySecretRotation.ps1' }
    ) {
        $r = Invoke-Example $Script -ModulePath $script:NoModules -ArgumentList '-ConfigPath', $script:Healthy.Config
        $r.ExitCode | Should-Be 3
        $r.Output | Should-Be ''
        $r.Error | Should-BeLikeString "*$([IO.Path]::GetFileNameWithoutExtension($Script)): could not run: the Orchestrator.Ops module could not be imported*Install-PSResource Orchestrator.Ops*"
    }

    It '<Script> with an invalid configuration, with none, and with an unknown argument' -ForEach @(
        @{ Script = 'Invoke-DailyMaintenance.ps1' }, @{ Script = 'Test-FleetHealth.ps1' }, @{ Script = 'Invoke-MonthlySecretRotation.ps1' }
    ) {
        $name = [IO.Path]::GetFileNameWithoutExtension($Script)
        $bad = Join-Path $script:Work 'invalid.json'
        Set-Content -LiteralPath $bad -Value '{ "wrappers": 1, "slots": {} }'
        $r = Invoke-Example $Script -ArgumentList '-ConfigPath', $bad
        $r.ExitCode | Should-Be 3
        $r.Output | Should-Be ''
        $r.Error | Should-BeLikeString "$($name): could not run: The ops configuration '$bad' is not valid: at `$.wrappers*"

        $none = Invoke-Example $Script
        $none.ExitCode | Should-Be 3
        $none.Error | Should-BeLikeString "$($name): could not run: No ops configuration was given*ORCHESTRATOR_OPS_CONFIG*"

        # pwsh's own binding failure would be exit 1, which reads as "warn" or "degraded".
        $typo = Invoke-Example $Script -ArgumentList '-ConfigPath', $script:Healthy.Config, '-Bogus', 'x'
        $typo.ExitCode | Should-Be 3
        $typo.Error | Should-BeLikeString "$($name): could not run: unknown argument(s): -Bogus x.*"
    }

    It 'the Azure runbook throws (exit 1 under pwsh -File) without the module' {
        $r = Invoke-Example 'azure-automation/Invoke-OpsDailyCheck.ps1' -ModulePath $script:NoModules -ArgumentList '-ConfigPath', $script:Healthy.Config
        $r.ExitCode | Should-Be 1
        $r.Output | Should-Be ''
        (Join-ErrorText $r.Error) | Should-BeLikeString "*The specified module 'Orchestrator.Ops' was not loaded*"
    }
}

Describe 'Against a healthy fleet' {
    It 'Test-FleetHealth.ps1 probes every wrapper, prints a line for each and exits 0 (configuration from ORCHESTRATOR_OPS_CONFIG)' {
        $before = Get-RequestCount $script:Healthy
        $r = Invoke-Example 'Test-FleetHealth.ps1' -Environment @{ ORCHESTRATOR_OPS_CONFIG = $script:Healthy.Hourly }
        $r.Error | Should-Be ''
        $r.ExitCode | Should-Be 0
        $r.Lines.Count | Should-Be 7
        @($r.Lines[0..5] | ForEach-Object { ($_ -split ' ')[0] }) | Should-BeCollection @('external-tools/blue', 'external-tools/green', 'poml/blue', 'poml/green', 'routellm/blue', 'routellm/green')
        $r.Lines[0..5] | ForEach-Object { $_ | Should-MatchString '^\S+/(blue active|green standby) Healthy score 100 success 100 % P95 \S+ ms samples \d+$' }
        $r.Lines[6] | Should-Be 'FleetHealth Healthy: system Healthy (score 100) in slot blue; 6 of 6 instances healthy; exit 0'
        # -Live: the child probed every instance in both slots, though each was probed within the configured hour.
        $after = Get-RequestCount $script:Healthy
        $after.Keys.Count | Should-Be 6
        foreach ($instance in $after.Keys) { $after[$instance] | Should-BeGreaterThan $before[$instance] -Because $instance }
    }

    It 'Invoke-DailyMaintenance.ps1 writes the dated report, prints one line and exits 0' {
        $r = Invoke-Example 'Invoke-DailyMaintenance.ps1' -ArgumentList '-ConfigPath', $script:Healthy.Config, '-ReportDirectory', $script:Healthy.Reports
        $r.Error | Should-Be ''
        $r.ExitCode | Should-Be 0
        $r.Lines.Count | Should-Be 1
        $report = Get-DailyReport $r $script:Healthy
        $r.Lines[0] | Should-Be "DailyMaintenance Pass: 4 pass, 0 warn, 0 fail, 0 skipped; report $report; exit 0"

        $text = Get-Content -Raw -LiteralPath $report
        $text | Should-BeLikeString '# Maintenance report: Daily maintenance*'
        $text | Should-BeLikeString '*| Outcome | **Pass**: 4 pass, 0 warn, 0 fail, 0 skipped |*'
        $text | Should-BeLikeString "*| Configuration | $($script:Healthy.Config) |*"
        $text | Should-BeLikeString '*| 1 | Health dashboard | Pass | System Healthy, score 100*'
        $text | Should-BeLikeString '*| 2 | Error logs of the last day | Pass |*'
        $text | Should-BeLikeString "*| 3 | Backup completed and verified | Pass | Backup $($script:Healthy.Backup.Id) completed*"
        $text | Should-BeLikeString '*| 4 | Disk space | Pass |*'
        $text | Should-BeLikeString '*| poml/blue | HealthScore | 100 | >= 80 | Pass |*'
        @(Get-ChildItem -LiteralPath $script:Healthy.Reports -Force | Where-Object Name -Like '*.tmp').Count | Should-Be 0
    }

    It 'Invoke-DailyMaintenance.ps1 refuses to replace the day''s report without -Force (exit 3, nothing run), and replaces it with -Force' {
        $report = @(Get-ChildItem -LiteralPath $script:Healthy.Reports -Filter 'daily-maintenance-*.md')[-1].FullName
        $before = Get-Content -Raw -LiteralPath $report
        $r = Invoke-Example 'Invoke-DailyMaintenance.ps1' -ArgumentList '-ConfigPath', $script:Healthy.Config, '-ReportDirectory', $script:Healthy.Reports
        $r.ExitCode | Should-Be 3
        $r.Output | Should-Be ''
        $r.Error.Trim() | Should-Be "Invoke-DailyMaintenance: could not run: today's report $report already exists; nothing was run. Run again with -Force to replace it."
        Get-Content -Raw -LiteralPath $report | Should-Be $before

        $r = Invoke-Example 'Invoke-DailyMaintenance.ps1' -ArgumentList '-ConfigPath', $script:Healthy.Config, '-ReportDirectory', $script:Healthy.Reports, '-Force'
        $r.ExitCode | Should-Be 0
        Get-DailyReport $r $script:Healthy | Should-Be $report
        $after = Get-Content -Raw -LiteralPath $report
        $after | Should-NotBe $before
        $after | Should-BeLikeString '*| Outcome | **Pass**: 4 pass*'
    }

    It 'the Azure runbook writes every item and the summary, and completes (exit 0) outside Automation' {
        $reports = Join-Path $script:Healthy.Root 'azure-reports'
        $r = Invoke-Example 'azure-automation/Invoke-OpsDailyCheck.ps1' -ArgumentList '-ConfigPath', $script:Healthy.Config, '-ReportDirectory', $reports
        $r.Error | Should-Be ''
        $r.ExitCode | Should-Be 0
        $r.Lines.Count | Should-Be 5
        $r.Lines[0] | Should-BeLikeString '1. Health dashboard: Pass - System Healthy, score 100*'
        $r.Lines[2] | Should-BeLikeString "3. Backup completed and verified: Pass - Backup $($script:Healthy.Backup.Id) completed*"
        $r.Lines[4] | Should-MatchString "^DailyMaintenance on \S+: 4 pass, 0 warn, 0 fail, 0 skipped; report $([regex]::Escape($reports))/daily-maintenance-\d{4}-\d\d-\d\d\.md$"
        Get-Content -Raw -LiteralPath ($r.Lines[4] -replace '^.*; report ') | Should-BeLikeString '*| Outcome | **Pass**: 4 pass*'
    }

    It 'the Azure runbook takes the vault key and the configuration from Automation variables when Get-AutomationVariable exists, and removes the key after' {
        # The Automation job's cmdlet, standing in for Orchestrator.AssetManagement.Cmdlets; the key file is moved away,
        # so the probes can send the wrappers' tokens only if the key came from the variable.
        $key = (Get-Content -Raw -LiteralPath $script:Healthy.KeyFile).Trim()
        $job = Join-Path $script:Work 'automation-job.ps1'
        Set-Content -LiteralPath $job -Value @"
function Get-AutomationVariable([string] `$Name) {
    switch (`$Name) {
        'OrchestratorOpsVaultKey' { '$key' }
        'OrchestratorOpsConfigPath' { '$($script:Healthy.Config)' }
        default { throw "Variable `$Name not found." }
    }
}
try { & '$(Join-Path $script:Examples 'azure-automation/Invoke-OpsDailyCheck.ps1')' }
finally { "KEY LEFT IN ENVIRONMENT: `$([bool] `$env:ORCHESTRATOR_OPS_VAULT_KEY)" }
"@
        Move-Item -LiteralPath $script:Healthy.KeyFile -Destination "$($script:Healthy.KeyFile).away"
        try {
            $r = Invoke-ChildPwsh -ScriptPath $job -Environment @{ PSModulePath = $script:ModulePath } -RemoveEnvironment $script:Scheduled -CloseStandardInput -TimeoutSeconds 120
        }
        finally {
            Move-Item -LiteralPath "$($script:Healthy.KeyFile).away" -Destination $script:Healthy.KeyFile
        }
        $r.TimedOut | Should-BeFalse
        $r.Error | Should-Be ''
        $r.ExitCode | Should-Be 0
        $r.Output | Should-BeLikeString '*1. Health dashboard: Pass - System Healthy*'
        $r.Output | Should-BeLikeString '*DailyMaintenance on *: 4 pass, 0 warn, 0 fail, 0 skipped*'
        $r.Output | Should-BeLikeString '*KEY LEFT IN ENVIRONMENT: False*'
    }

    It 'Invoke-MonthlySecretRotation.ps1 with the default 30 days rotates nothing that is younger and gives the unset service key its first value (exit 0)' {
        $r = Invoke-Example 'Invoke-MonthlySecretRotation.ps1' -ArgumentList '-ConfigPath', $script:Healthy.Config
        $r.Error | Should-Be ''
        $r.ExitCode | Should-Be 0
        $r.Lines | Should-BeCollection @('service-api-key Created v1', 'SecretRotation OK: 0 rotated, 1 created, 0 due, 0 failed; exit 0')
        Get-ManagedSecret -ConfigPath $script:Healthy.Config -Name *-token | ForEach-Object { $_.CurrentVersion | Should-Be 1 }
    }

    It 'Invoke-MonthlySecretRotation.ps1 reports an external secret that is due and exits 1' {
        $r = Invoke-Example 'Invoke-MonthlySecretRotation.ps1' -ArgumentList '-ConfigPath', $script:Healthy.External
        $r.ExitCode | Should-Be 1
        $r.Lines | Should-BeCollection @('provider-key Due - it has no value yet', 'SecretRotation Due: 0 rotated, 0 created, 1 due, 0 failed (due: provider-key); exit 1')
        $r.Error | Should-Be ''
    }

    It 'Invoke-MonthlySecretRotation.ps1 rotates what is due with the key from ORCHESTRATOR_OPS_VAULT_KEY alone (exit 0)' {
        $key = (Get-Content -Raw -LiteralPath $script:Healthy.KeyFile).Trim()
        $old = Get-ManagedSecret -ConfigPath $script:Healthy.Config -Name routellm-token -AsPlainText
        Move-Item -LiteralPath $script:Healthy.KeyFile -Destination "$($script:Healthy.KeyFile).away"
        try {
            $r = Invoke-Example 'Invoke-MonthlySecretRotation.ps1' -ArgumentList '-ConfigPath', $script:Healthy.Config, '-OlderThan', '0s' -Environment @{ ORCHESTRATOR_OPS_VAULT_KEY = $key }
        }
        finally {
            Move-Item -LiteralPath "$($script:Healthy.KeyFile).away" -Destination $script:Healthy.KeyFile
        }
        $r.Error | Should-Be ''
        $r.ExitCode | Should-Be 0
        $r.Lines[-1] | Should-Be 'SecretRotation OK: 4 rotated, 0 created, 0 due, 0 failed; exit 0'
        @($r.Lines[0..3] | Sort-Object) | Should-BeCollection @(
            'external-tools-token Rotated v1 -> v2', 'poml-token Rotated v1 -> v2', 'routellm-token Rotated v1 -> v2', 'service-api-key Rotated v1 -> v2')
        $new = Get-ManagedSecret -ConfigPath $script:Healthy.Config -Name routellm-token -AsPlainText
        $new | Should-NotBe $old
        Get-EnvValue (Join-Path $script:Healthy.Root 'secrets/blue.env') 'ROUTELLM_TOKEN' | Should-Be $new
        Get-EnvValue (Join-Path $script:Healthy.Root 'secrets/green.env') 'ROUTELLM_TOKEN_PREVIOUS' | Should-Be $old
    }

    It 'Invoke-MonthlySecretRotation.ps1 without any vault key ends at once (exit 3) naming ORCHESTRATOR_OPS_VAULT_KEY, changing nothing' {
        $vault = [Convert]::ToBase64String([IO.File]::ReadAllBytes($script:Healthy.Vault))
        Move-Item -LiteralPath $script:Healthy.KeyFile -Destination "$($script:Healthy.KeyFile).away"
        try {
            $r = Invoke-Example 'Invoke-MonthlySecretRotation.ps1' -ArgumentList '-ConfigPath', $script:Healthy.Config, '-OlderThan', '0s' -TimeoutSeconds 60
        }
        finally {
            Move-Item -LiteralPath "$($script:Healthy.KeyFile).away" -Destination $script:Healthy.KeyFile
        }
        $r.ExitCode | Should-Be 3
        $r.Output | Should-Be ''
        $r.Error | Should-BeLikeString '*Invoke-MonthlySecretRotation: could not run: The vault*is locked with a key and no key was found: set the environment variable ORCHESTRATOR_OPS_VAULT_KEY*secrets.keyFile*'
        $r.Elapsed.TotalSeconds | Should-BeLessThan 30
        [Convert]::ToBase64String([IO.File]::ReadAllBytes($script:Healthy.Vault)) | Should-Be $vault
        (Get-ManagedSecret -ConfigPath $script:Healthy.Config -Name routellm-token).CurrentVersion | Should-Be 2
    }
}

Describe 'Against the same fleet degraded (a slow wrapper in the active slot)' {
    BeforeAll {
        Set-Instance $script:Healthy routellm blue '{"latencyMs":1500,"latencyJitterMs":0}'
        # Two slow probes in a window of about ten: P95 is one of them, over the configured 1000 ms.
        1..2 | ForEach-Object { Get-WrapperHealth -ConfigPath $script:Healthy.Config -Name routellm -Slot blue -Live | Out-Null }
    }
    AfterAll {
        Set-Instance $script:Healthy routellm blue '{"latencyMs":20,"latencyJitterMs":10}'
    }

    It 'Test-FleetHealth.ps1 exits 1 and names the degraded wrapper' {
        $r = Invoke-Example 'Test-FleetHealth.ps1' -ArgumentList '-ConfigPath', $script:Healthy.Config
        $r.ExitCode | Should-Be 1
        $r.Lines.Count | Should-Be 7
        $r.Lines | Where-Object { $_ -like 'routellm/blue *' } | Should-MatchString '^routellm/blue active Degraded score \S+ success 100 % P95 1\d{3}(\.\d)? ms samples \d+ - .*P95'
        @($r.Lines | Where-Object { $_ -match '^\S+/\S+ \S+ Healthy ' }).Count | Should-Be 5
        $r.Lines[-1] | Should-MatchString '^FleetHealth Degraded: system Degraded \(score \S+\) in slot blue; 5 of 6 instances healthy; needs attention: routellm/blue; exit 1$'
    }

    It 'Invoke-DailyMaintenance.ps1 exits 1 with the dashboard at Warn in the report' {
        $r = Invoke-Example 'Invoke-DailyMaintenance.ps1' -ArgumentList '-ConfigPath', $script:Healthy.Config, '-ReportDirectory', $script:Healthy.Reports, '-Force'
        $r.ExitCode | Should-Be 1
        $r.Lines.Count | Should-Be 1
        $r.Lines[0] | Should-MatchString '^DailyMaintenance Warn: \d pass, [12] warn, 0 fail, 0 skipped \(warn: Health dashboard[^;]*\); report \S+; exit 1$'
        $text = Get-Content -Raw -LiteralPath (Get-DailyReport $r $script:Healthy)
        $text | Should-BeLikeString '*| Outcome | **Warn**:*'
        $text | Should-BeLikeString '*| 1 | Health dashboard | Warn | System Degraded*'
        $text | Should-BeLikeString '*| routellm/blue | HealthScore | * | >= 80 | Warn | Degraded: *P95*'
        $text | Should-BeLikeString '*| 3 | Backup completed and verified | Pass |*'
    }
}

Describe 'Against a broken fleet (poml down in the active slot)' {
    BeforeAll {
        Set-Instance $script:Broken poml blue '{"down":true}'
        Get-WrapperHealth -ConfigPath $script:Broken.Config -Live | Out-Null
    }

    It 'Test-FleetHealth.ps1 exits 2, the down wrapper Critical on its line' {
        $r = Invoke-Example 'Test-FleetHealth.ps1' -ArgumentList '-ConfigPath', $script:Broken.Config
        $r.ExitCode | Should-Be 2
        $r.Lines.Count | Should-Be 7
        $r.Lines[2] | Should-MatchString '^poml/blue active Critical score 0 success \S+ % P95 \S+ ms samples 5 - last 2 probes failed: connection refused'
        @($r.Lines | Where-Object { $_ -match '^\S+/\S+ \S+ Healthy score 100 ' }).Count | Should-Be 5
        $r.Lines[-1] | Should-Be 'FleetHealth Critical: system Unhealthy (score 66.7) in slot blue; 5 of 6 instances healthy; critical: poml/blue; exit 2'
    }

    It 'Invoke-DailyMaintenance.ps1 exits 2 with the failing dashboard and the logged errors in the report' {
        $r = Invoke-Example 'Invoke-DailyMaintenance.ps1' -ArgumentList '-ConfigPath', $script:Broken.Config, '-ReportDirectory', $script:Broken.Reports
        $r.ExitCode | Should-Be 2
        $r.Lines.Count | Should-Be 1
        $report = Get-DailyReport $r $script:Broken
        $r.Lines[0] | Should-Be "DailyMaintenance Fail: 2 pass, 1 warn, 1 fail, 0 skipped (fail: Health dashboard; warn: Error logs of the last day); report $report; exit 2"
        $text = Get-Content -Raw -LiteralPath $report
        $text | Should-BeLikeString '*| Outcome | **Fail**: 2 pass, 1 warn, 1 fail, 0 skipped |*'
        $text | Should-BeLikeString '*| 1 | Health dashboard | Fail | System Unhealthy, score 66.7*'
        $text | Should-BeLikeString '*| poml/blue | HealthScore | 0 | >= 80 | Fail | Critical: last * probes failed: connection refused*'
        $text | Should-BeLikeString '*| routellm/blue | HealthScore | 100 | >= 80 | Pass |*'
        $text | Should-BeLikeString '*| 2 | Error logs of the last day | Warn | * ConnectionRefused on poml x*'
        $text | Should-BeLikeString "*| 3 | Backup completed and verified | Pass | Backup $($script:Broken.Backup.Id) completed*"
    }

    It 'the Azure runbook writes the items, then throws naming the failed item (the job would be Failed)' {
        $r = Invoke-Example 'azure-automation/Invoke-OpsDailyCheck.ps1' -ArgumentList '-ConfigPath', $script:Broken.Config
        $r.ExitCode | Should-Be 1
        $r.Output | Should-BeLikeString '*1. Health dashboard: Fail - System Unhealthy*'
        $r.Output | Should-BeLikeString '*WARNING: Error logs of the last day: Warn - *'
        $r.Output | Should-BeLikeString '*DailyMaintenance on *: 2 pass, 1 warn, 1 fail, 0 skipped*'
        (Join-ErrorText $r.Error) | Should-BeLikeString '*DailyMaintenance failed: Health dashboard (System Unhealthy, score 66.7*'
    }

    It 'Invoke-MonthlySecretRotation.ps1 exits 2 when the rotation of the down wrapper''s token is reverted, rotating the others' {
        $poml = Get-ManagedSecret -ConfigPath $script:Broken.Config -Name poml-token -AsPlainText
        $r = Invoke-Example 'Invoke-MonthlySecretRotation.ps1' -ArgumentList '-ConfigPath', $script:Broken.Config, '-OlderThan', '0s'
        $r.ExitCode | Should-Be 2
        $r.Lines | Should-ContainCollection @('routellm-token Rotated v1 -> v2', 'external-tools-token Rotated v1 -> v2')
        $r.Lines | Should-ContainCollection @('poml-token Reverted - poml in the active slot blue could not be verified: connection refused')
        $r.Lines[-1] | Should-MatchString '^SecretRotation Failed: 2 rotated, 1 created, 0 due, 1 failed \(failed: poml-token\); exit 2$'
        $r.Error | Should-BeLikeString "*Invoke-MonthlySecretRotation: The rotation of 'poml-token' was reverted: *"
        # Reverted: the old token is current again and back on the targets.
        Get-ManagedSecret -ConfigPath $script:Broken.Config -Name poml-token -AsPlainText | Should-Be $poml
        Get-EnvValue (Join-Path $script:Broken.Root 'secrets/green.env') 'POML_TOKEN' | Should-Be $poml
    }

    It 'Test-FleetHealth.ps1 ends within its wall-clock limit when a wrapper hangs (exit 2)' {
        Set-Instance $script:Broken external-tools green '{"hang":true}'
        try {
            $r = Invoke-Example 'Test-FleetHealth.ps1' -ArgumentList '-ConfigPath', $script:Broken.Config -TimeoutSeconds 120
        }
        finally {
            Set-Instance $script:Broken external-tools green '{"hang":false}'
        }
        $r.ExitCode | Should-Be 2
        $r.Elapsed.TotalSeconds | Should-BeLessThan 120
        $r.Lines | Where-Object { $_ -like 'external-tools/green *' } | Should-MatchString '^external-tools/green standby (Degraded|Unhealthy|Critical) .* - last probe failed: .*[Tt]ime'
        $r.Lines[-1] | Should-MatchString '; critical: poml/blue; needs attention: external-tools/green; exit 2$'
    }

    It 'Test-FleetHealth.ps1 without the vault key exits 2 and says why on standard error' {
        Move-Item -LiteralPath $script:Broken.KeyFile -Destination "$($script:Broken.KeyFile).away"
        try {
            $r = Invoke-Example 'Test-FleetHealth.ps1' -ArgumentList '-ConfigPath', $script:Broken.Config -TimeoutSeconds 120
        }
        finally {
            Move-Item -LiteralPath "$($script:Broken.KeyFile).away" -Destination $script:Broken.KeyFile
        }
        $r.ExitCode | Should-Be 2
        $r.Error | Should-BeLikeString '*warning: Wrapper tokens are unavailable, so wrappers that require one will answer 401*ORCHESTRATOR_OPS_VAULT_KEY*'
        # poml/blue is down anyway; what only the missing key explains is a wrapper that answers, with 401.
        $r.Lines | Where-Object { $_ -like 'routellm/blue *' } | Should-MatchString '^routellm/blue active (Degraded|Unhealthy|Critical) .*401'
    }
}

Describe 'The systemd units' {
    BeforeAll {
        $script:Units = Join-Path $script:Examples 'systemd'
        function script:Read-Unit([string] $Name) {
            <# [section] key=value lines (comments dropped), as a list of { Section, Key, Value }. #>
            $section = $null
            foreach ($line in Get-Content -LiteralPath (Join-Path $script:Units $Name)) {
                if ($line -match '^\s*([#;]|$)') { continue }
                if ($line -match '^\[(.+)\]$') { $section = $Matches[1]; continue }
                if ($line -match '^([A-Za-z]+)=(.*)$') { [pscustomobject]@{ Section = $section; Key = $Matches[1]; Value = $Matches[2] } }
            }
        }
        $script:Service = @(Read-Unit 'orchestrator-ops-daily.service')
        $script:Timer = @(Read-Unit 'orchestrator-ops-daily.timer')
        function script:Get-Setting($Unit, [string] $Key) { @($Unit | Where-Object Key -EQ $Key | ForEach-Object Value) }
    }

    It 'the service runs an existing example with -NoProfile -NonInteractive -File and only parameters the script has' {
        $exec = @(Get-Setting $script:Service 'ExecStart')
        $exec.Count | Should-Be 1
        $words = $exec[0] -split '\s+'
        $words[0] | Should-Be '/usr/bin/pwsh'
        $words | Should-ContainCollection @('-NoProfile', '-NonInteractive', '-File')
        $file = $words[[array]::IndexOf($words, '-File') + 1]
        $file | Should-BeLikeString '/opt/orchestrator-ops/examples/*.ps1'
        $script = Join-Path $script:Examples ($file -replace '^/opt/orchestrator-ops/examples/', '')
        Test-Path -LiteralPath $script | Should-BeTrue
        $parameters = (Get-Command $script).Parameters.Keys
        foreach ($name in @($words | Select-Object -Skip ([array]::IndexOf($words, '-File') + 2) | Where-Object { $_ -like '-*' })) {
            $parameters | Should-ContainCollection @($name.TrimStart('-')) -Because "ExecStart passes $name to $file"
        }
    }

    It 'the service is a oneshot as a dedicated user, with the vault key from a 0600 EnvironmentFile, warn not a failure, and a time limit' {
        Get-Setting $script:Service 'Type' | Should-Be 'oneshot'
        $user = Get-Setting $script:Service 'User'
        $user | Should-Be 'orchestrator-ops'
        $user | Should-NotBe 'root'
        @(Get-Setting $script:Service 'EnvironmentFile').Count | Should-Be 1
        Get-Content -Raw -LiteralPath (Join-Path $script:Units 'orchestrator-ops-daily.service') | Should-MatchString '(?s)#[^\n]*ORCHESTRATOR_OPS_VAULT_KEY.*0600.*\nEnvironmentFile='
        $success = (Get-Setting $script:Service 'SuccessExitStatus') -split '\s+'
        $success | Should-ContainCollection @('1')
        foreach ($code in '2', '3') { $success -contains $code | Should-BeFalse -Because "exit $code is a failure" }
        Get-Setting $script:Service 'TimeoutStartSec' | Should-Be '30min'
        Get-Setting $script:Service 'StandardInput' | Should-Be 'null'
    }

    It 'the timer fires daily at a fixed time, catches up missed runs and spreads the start' {
        $calendar = Get-Setting $script:Timer 'OnCalendar'
        $calendar | Should-MatchString '^\*-\*-\* \d\d:\d\d:\d\d$'
        Get-Setting $script:Timer 'Persistent' | Should-Be 'true'
        Get-Setting $script:Timer 'RandomizedDelaySec' | Should-MatchString '^\d+(min|s)?$'
        Get-Setting $script:Timer 'Unit' | Should-Be 'orchestrator-ops-daily.service'
        Get-Setting $script:Timer 'WantedBy' | Should-Be 'timers.target'
    }

    It 'passes systemd-analyze verify' {
        if (-not (Get-Command systemd-analyze -ErrorAction Ignore)) {
            Set-ItResult -Skipped -Because 'systemd-analyze is not installed here (Debian: apt-get install systemd)'
            return
        }
        # verify checks that ExecStart's program exists: where /usr/bin/pwsh does not, a stand-in at another path.
        $dir = Join-Path $script:Work 'units'
        $null = New-Item -ItemType Directory -Path $dir -Force
        $pwsh = '/usr/bin/pwsh'
        if (-not (Test-Path -LiteralPath $pwsh)) {
            $pwsh = Join-Path $dir 'pwsh'
            Set-Content -LiteralPath $pwsh -Value "#!/bin/sh`nexit 0"
            chmod 0755 $pwsh
        }
        (Get-Content -Raw -LiteralPath (Join-Path $script:Units 'orchestrator-ops-daily.service')).Replace('/usr/bin/pwsh', $pwsh) |
            Set-Content -LiteralPath (Join-Path $dir 'orchestrator-ops-daily.service') -NoNewline
        Copy-Item -LiteralPath (Join-Path $script:Units 'orchestrator-ops-daily.timer') -Destination $dir
        $out = & systemd-analyze verify (Join-Path $dir 'orchestrator-ops-daily.service') (Join-Path $dir 'orchestrator-ops-daily.timer') 2>&1 | Out-String
        $LASTEXITCODE | Should-Be 0 -Because $out
        $out | Should-Be '' -Because 'verify warns about unknown keys and bad values without failing'
        & systemd-analyze calendar (Get-Setting $script:Timer 'OnCalendar') *> $null
        $LASTEXITCODE | Should-Be 0
    }
}
