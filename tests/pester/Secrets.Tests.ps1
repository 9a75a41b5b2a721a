#Requires -Version 7.4
# Secret rotation from real pwsh processes against the sandbox, whose wrappers read their tokens from each slot's env
# file: Update-Secret and Get-ManagedSecret in pipelines, -WhatIf, the grace period, a SIGKILL between set and finish,
# wrong and tampered vaults, loose modes, -All, the service's own API key, and a scan for any leaked value.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-Module (Get-OpsModuleManifest) -Force
    $script:Root = New-OpsTestDirectory -Prefix 'ops-secrets'
    $script:Scripts = New-OpsTestDirectory -Prefix 'ops-secrets-scripts'
    $script:Sandbox = Start-OpsSandbox -Root $script:Root -PassThru
    $script:Config = $script:Sandbox.ConfigPath
    $script:Vault = Join-Path $script:Root 'secrets/vault.bin'
    $script:BlueEnv = Join-Path $script:Root 'secrets/blue.env'
    $script:GreenEnv = Join-Path $script:Root 'secrets/green.env'

    # An external secret (its value is issued elsewhere) with a JSON target, beside the sandbox's wrapper tokens.
    $json = Get-Content -Raw -LiteralPath $script:Config | ConvertFrom-Json -AsHashtable
    $json['secrets']['items'] += @(@{
            name    = 'provider-key'
            source  = 'external'
            targets = @(@{ type = 'jsonFile'; path = 'app/settings.json'; property = 'provider.apiKey' })
        })
    $json | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $script:Config
    New-Item -ItemType Directory -Path (Join-Path $script:Root 'app') | Out-Null
    Set-Content -LiteralPath (Join-Path $script:Root 'app/settings.json') -Value '{ "provider": { "model": "gpt" }, "timeoutMs": 1000 }'

    function script:Get-EnvValue([string] $Path, [string] $Name) {
        $line = Get-Content -LiteralPath $Path | Where-Object { $_ -like "$Name=*" } | Select-Object -First 1
        if ($line) { $line.Substring($Name.Length + 1) } else { $null }
    }
    function script:Invoke-Child([string] $Body, [hashtable] $Environment = @{}) {
        # Outside the ops root: the leak scan reads every file under it, and a script holds its own test value.
        $script = Join-Path $script:Scripts "child-$([Guid]::NewGuid().ToString('N').Substring(0, 8)).ps1"
        Set-Content -LiteralPath $script -Value "Import-Module '$(Get-OpsModuleManifest)'; `$ErrorActionPreference = 'Continue'; $Body"
        Invoke-ChildPwsh -ScriptPath $script -Environment $Environment
    }
}

AfterAll {
    Stop-OpsService -ConfigPath $script:Config -ErrorAction SilentlyContinue
    Stop-OpsSandbox -Root $script:Root -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $script:Root, $script:Scripts -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Wrapper tokens managed by Start-OpsSandbox' {
    It 'gives every wrapper a token in each slot''s env file, and the probes send it' {
        $secrets = Get-ManagedSecret -ConfigPath $script:Config -Name *-token
        @($secrets.Name) | Should-BeCollection @('external-tools-token', 'poml-token', 'routellm-token')
        $secrets | ForEach-Object { $_.CurrentVersion | Should-Be 1; $_.Due | Should-Be $false }
        $value = Get-ManagedSecret -ConfigPath $script:Config -Name routellm-token -AsPlainText
        Get-EnvValue $script:BlueEnv 'ROUTELLM_TOKEN' | Should-Be $value
        Get-EnvValue $script:GreenEnv 'ROUTELLM_TOKEN' | Should-Be $value
        ((Get-ManagedSecret -ConfigPath $script:Config -Name routellm-token -AsSecureString) -is [securestring]) | Should-BeTrue
        $health = Get-WrapperHealth -ConfigPath $script:Config -Live
        $health.Count | Should-Be 6
        $health | ForEach-Object { $_.SuccessRate | Should-Be 100 }
        # Without the token the wrapper refuses.
        $url = ($script:Sandbox.Instances | Where-Object { $_.Wrapper -eq 'routellm' -and $_.Slot -eq 'blue' }).BaseUrl
        (Invoke-WebRequest -Uri "$($url.AbsoluteUri.TrimEnd('/'))/health" -SkipHttpErrorCheck).StatusCode | Should-Be 401
    }

    It 'shows the metadata in a table and never the value' {
        $value = Get-ManagedSecret -ConfigPath $script:Config -Name poml-token -AsPlainText
        $table = Get-ManagedSecret -ConfigPath $script:Config | Format-Table | Out-String -Width 250
        $table | Should-BeLikeString '*poml-token*'
        $table.Contains($value) | Should-BeFalse
        $list = Get-ManagedSecret -ConfigPath $script:Config -Name poml-token | Format-List * | Out-String -Width 250
        $list.Contains($value) | Should-BeFalse
    }

    It 'completes secret names, the built-in service-api-key among them' {
        foreach ($command in 'Update-Secret', 'Get-ManagedSecret') {
            $line = "$command -ConfigPath '$script:Config' -Name "
            $names = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
            $names | Should-BeCollection @('external-tools-token', 'poml-token', 'provider-key', 'routellm-token', 'service-api-key') -Because $command
        }
        $line = "Update-Secret -ConfigPath '$script:Config' -Name po"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should-BeCollection @('poml-token')
    }
}

Describe 'Update-Secret' {
    It 'previews the targets and checks with -WhatIf and changes nothing' {
        $before = Get-Content -Raw -LiteralPath $script:BlueEnv
        $out = (Invoke-Child "Update-Secret -ConfigPath '$script:Config' -Name routellm-token -WhatIf").Output
        $out | Should-BeLikeString "*Rotate secret 'routellm-token'*blue.env (ROUTELLM_TOKEN)*green.env (ROUTELLM_TOKEN)*probes of routellm*"
        Get-Content -Raw -LiteralPath $script:BlueEnv | Should-Be $before
        (Get-ManagedSecret -ConfigPath $script:Config -Name routellm-token).CurrentVersion | Should-Be 1
    }

    It 'rotates with verification, keeps the old token valid for the grace period, and completes it' {
        $old = Get-ManagedSecret -ConfigPath $script:Config -Name routellm-token -AsPlainText
        $r = Update-Secret -ConfigPath $script:Config -Name routellm-token -GracePeriod 1h -Confirm:$false
        $r.PSObject.TypeNames[0] | Should-Be 'Orchestrator.Ops.Core.Secrets.SecretRotationResult'
        $r.Outcome | Should-Be 'Rotated'
        $r.FromVersion | Should-Be 1
        $r.ToVersion | Should-Be 2
        @($r.Checks | Where-Object Status -EQ 'Pass').Count | Should-Be 2
        # The list view names every target and check on a line of its own.
        $list = $r | Format-List | Out-String -Width 300
        $list | Should-MatchString '(?m)^Targets\s*:\s*env file \S+blue\.env \(ROUTELLM_TOKEN\): set Pass'
        $list | Should-MatchString '(?m)^\s+env file \S+green\.env \(ROUTELLM_TOKEN\): set Pass'
        $list | Should-MatchString '(?m)^\s+probe routellm/green: Pass'
        $r.PreviousValidUntil | Should-BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(59))
        $new = Get-ManagedSecret -ConfigPath $script:Config -Name routellm-token -AsPlainText
        $new | Should-NotBe $old
        Get-EnvValue $script:BlueEnv 'ROUTELLM_TOKEN' | Should-Be $new
        Get-EnvValue $script:BlueEnv 'ROUTELLM_TOKEN_PREVIOUS' | Should-Be $old
        (Get-ManagedSecret -ConfigPath $script:Config -Name routellm-token).PreviousValidUntil | Should-Be $r.PreviousValidUntil

        # Not expired: -CompleteExpired leaves it; -Force ends the grace period now.
        @(Update-Secret -ConfigPath $script:Config -CompleteExpired -Confirm:$false).Count | Should-Be 0
        $done = Update-Secret -ConfigPath $script:Config -CompleteExpired -Name routellm-token -Force -Confirm:$false
        $done.Outcome | Should-Be 'Completed'
        Get-EnvValue $script:BlueEnv 'ROUTELLM_TOKEN_PREVIOUS' | Should-BeNull
        @(Get-WrapperHealth -ConfigPath $script:Config -Name routellm -Live | Where-Object SuccessRate -NE 100).Count | Should-Be 0
    }

    It 'takes an issued value for an external secret, and refuses to generate one' {
        $err = $null
        Update-Secret -ConfigPath $script:Config -Name provider-key -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should-BeLikeString 'SecretValueRequired*'
        $value = ConvertTo-SecureString 'sk-issued-by-the-provider-000111' -AsPlainText -Force
        $r = Update-Secret -ConfigPath $script:Config -Name provider-key -Value $value -Confirm:$false
        $r.Outcome | Should-Be 'Created'
        $settings = Get-Content -Raw -LiteralPath (Join-Path $script:Root 'app/settings.json') | ConvertFrom-Json
        $settings.provider.apiKey | Should-Be 'sk-issued-by-the-provider-000111'
        $settings.provider.model | Should-Be 'gpt'
        $settings.timeoutMs | Should-Be 1000
    }

    It 'rotates every generated secret that is due with -All, and reports external ones as due' {
        $results = @(Update-Secret -ConfigPath $script:Config -All -OlderThan 0s -Confirm:$false -WarningVariable warn 3>$null)
        @(@($results | Where-Object Outcome -EQ 'Rotated').Name | Sort-Object) | Should-BeCollection @('external-tools-token', 'poml-token', 'routellm-token')
        ($results | Where-Object Name -EQ 'provider-key').Outcome | Should-Be 'Due'
        ($warn -join ' ') | Should-BeLikeString '*provider-key*-Value*'
        # The 30-day default: nothing is due right after.
        @(Update-Secret -ConfigPath $script:Config -All -Confirm:$false 3>$null).Count | Should-Be 0
        @(Get-ManagedSecret -ConfigPath $script:Config -Due | Where-Object Name -Like '*-token').Count | Should-Be 0
    }

    It 'resumes a rotation killed between set and finish with its request token, and refuses another meanwhile' {
        $token = 'pester-kill-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
        $child = Join-Path $script:Root 'rotate-child.ps1'
        Set-Content -LiteralPath $child -Value "Import-Module '$(Get-OpsModuleManifest)'; Update-Secret -ConfigPath '$script:Config' -Name poml-token -RequestToken $token -Confirm:`$false"
        $process = Start-ChildPwsh -ScriptPath $child -Environment @{ ORCHESTRATOR_OPS_TEST_PAUSE_AT = 'secret-testing' }
        try {
            Wait-ForFile -Path (Join-Path $script:Root 'secrets-test/paused-secret-testing') -Process $process
        }
        finally {
            $process.Kill($true); $process.WaitForExit()
        }
        Remove-Item -LiteralPath (Join-Path $script:Root 'secrets-test') -Recurse -Force

        # Killed after set: the targets hold the pending value, which the vault still has.
        $info = Get-ManagedSecret -ConfigPath $script:Config -Name poml-token
        $info.PendingVersion | Should-Be ($info.CurrentVersion + 1)
        $current = Get-ManagedSecret -ConfigPath $script:Config -Name poml-token -AsPlainText
        Get-EnvValue $script:BlueEnv 'POML_TOKEN_PREVIOUS' | Should-Be $current

        $err = $null
        Update-Secret -ConfigPath $script:Config -Name poml-token -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should-BeLikeString 'SecretRotationInProgress*'
        $err[0].Exception.Message | Should-BeLikeString "*-RequestToken $token*"

        $r = Update-Secret -ConfigPath $script:Config -Name poml-token -RequestToken $token -Confirm:$false
        $r.Outcome | Should-Be 'Rotated'
        $r.ToVersion | Should-Be $info.PendingVersion
        $after = Get-ManagedSecret -ConfigPath $script:Config -Name poml-token
        $after.CurrentVersion | Should-Be $info.PendingVersion
        $after.PendingVersion | Should-BeNull
        Get-EnvValue $script:BlueEnv 'POML_TOKEN' | Should-Be (Get-ManagedSecret -ConfigPath $script:Config -Name poml-token -AsPlainText)
        # Asked again with the same token: the same answer, no new version.
        (Update-Secret -ConfigPath $script:Config -Name poml-token -RequestToken $token -Confirm:$false).ToVersion | Should-Be $r.ToVersion
    }
}

Describe 'A vault that cannot be trusted' {
    It 'refuses a wrong key with a clear error and writes nothing' {
        $before = [Convert]::ToBase64String([IO.File]::ReadAllBytes($script:Vault))
        $wrong = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
        $r = Invoke-Child "Update-Secret -ConfigPath '$script:Config' -Name routellm-token -Confirm:`$false" -Environment @{ ORCHESTRATOR_OPS_VAULT_KEY = $wrong }
        ($r.Output + $r.Error) | Should-BeLikeString '*vault key does not match*'
        [Convert]::ToBase64String([IO.File]::ReadAllBytes($script:Vault)) | Should-Be $before
    }

    It 'detects a flipped byte and overwrites nothing' {
        $copy = Join-Path $script:Root 'vault.good'
        Copy-Item -LiteralPath $script:Vault -Destination $copy
        try {
            $bytes = [IO.File]::ReadAllBytes($script:Vault)
            $bytes[$bytes.Length - 40] = $bytes[$bytes.Length - 40] -bxor 0x01
            [IO.File]::WriteAllBytes($script:Vault, $bytes)
            $err = $null
            try { Update-Secret -ConfigPath $script:Config -Name routellm-token -Confirm:$false -ErrorVariable err -ErrorAction Stop | Out-Null } catch { $err = $_ }
            "$($err.FullyQualifiedErrorId)" | Should-BeLikeString 'VaultTampered*'
            [Convert]::ToBase64String([IO.File]::ReadAllBytes($script:Vault)) | Should-Be ([Convert]::ToBase64String($bytes))
        }
        finally {
            Copy-Item -LiteralPath $copy -Destination $script:Vault -Force
        }
    }

    It 'warns about a target others can read, and refuses it in strict mode' -Skip:$IsWindows {
        chmod 644 $script:GreenEnv
        try {
            $r = Update-Secret -ConfigPath $script:Config -Name external-tools-token -Confirm:$false -WarningVariable warn 3>$null
            $r.Outcome | Should-Be 'Rotated'
            ($warn -join ' ') | Should-BeLikeString '*green.env*'
            [int](Get-Item $script:GreenEnv).UnixFileMode | Should-Be 384 # 0600

            chmod 644 $script:GreenEnv
            $strict = Join-Path $script:Root 'strict.json'
            $json = Get-Content -Raw -LiteralPath $script:Config | ConvertFrom-Json -AsHashtable
            $json['secrets']['strict'] = $true
            $json | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $strict
            $before = Get-Content -Raw -LiteralPath $script:GreenEnv
            $r = Update-Secret -ConfigPath $strict -Name external-tools-token -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err
            $r.Outcome | Should-Be 'Reverted'
            Get-Content -Raw -LiteralPath $script:GreenEnv | Should-Be $before
        }
        finally {
            chmod 600 $script:GreenEnv
        }
    }
}

Describe 'A vault locked with a passphrase, where nobody can type it' {
    BeforeAll {
        # A fleet of its own (opsRoot '.'), outside the sandbox's root and its leak scan.
        $script:PassRoot = New-OpsTestDirectory -Prefix 'ops-secrets-passphrase'
        $script:PassConfig = Join-Path $script:PassRoot 'ops.json'
        $script:PassVault = Join-Path $script:PassRoot 'secrets/vault.bin'
        $script:PassKeyFile = Join-Path $script:PassRoot 'secrets/vault.key'
        Set-Content -LiteralPath $script:PassConfig -Value @'
{
  "wrappers": [ { "name": "routellm", "kind": "routellm" } ],
  "slots": { "blue": { "routellm": "http://127.0.0.1:9" } },
  "secrets": { "items": [ { "name": "db-password", "source": "generate", "targets": [ { "type": "file", "path": "app/db-password" } ] } ] }
}
'@
        $script:PassPhrase = 'pester passphrase ' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
        $created = Update-Secret -ConfigPath $script:PassConfig -Name db-password -Confirm:$false `
            -VaultPassphrase (ConvertTo-SecureString $script:PassPhrase -AsPlainText -Force)
        $created.Outcome | Should-Be 'Created'

        # The child tries each secret cmdlet with nothing that unlocks the vault and writes what happened to a file:
        # what a terminal shows is wrapped and coloured, a file is not.
        $script:NoKeyChild = Join-Path $script:Scripts 'no-key-child.ps1'
        Set-Content -LiteralPath $script:NoKeyChild -Value @'
param([string] $Module, [string] $Config, [string] $Result)
Import-Module $Module
$runs = foreach ($command in @(
        { Get-ManagedSecret -ConfigPath $Config -ErrorAction Stop },
        { Get-ManagedSecret -ConfigPath $Config -Name db-password -AsPlainText -ErrorAction Stop },
        { Update-Secret -ConfigPath $Config -Name db-password -Confirm:$false -ErrorAction Stop })) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $id = $null; $message = $null
    try { & $command | Out-Null } catch { $id = $_.FullyQualifiedErrorId; $message = $_.Exception.Message }
    [pscustomobject]@{ Command = "$command".Trim(); ErrorId = $id; Message = $message; Milliseconds = $clock.ElapsedMilliseconds }
}
[pscustomobject]@{ HostName = $Host.Name; InputRedirected = [Console]::IsInputRedirected; Runs = @($runs) } |
    ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $Result
'@
        $script:NoKeyEnvironment = @{ ORCHESTRATOR_OPS_VAULT_KEY = '' }

        function script:Assert-FailsAtOnceNamingTheThreeWays([string] $Result) {
            $report = Get-Content -Raw -LiteralPath $Result | ConvertFrom-Json
            @($report.Runs).Count | Should-Be 3
            foreach ($run in $report.Runs) {
                $run.ErrorId | Should-BeLikeString 'VaultKeyMissing,*' -Because $run.Command
                $run.Message | Should-BeLikeString "*'$script:PassVault' is locked with a passphrase*" -Because $run.Command
                foreach ($way in 'ORCHESTRATOR_OPS_VAULT_KEY', 'secrets.keyFile', '-VaultPassphrase') {
                    $run.Message.Contains($way) | Should-BeTrue -Because "the error of $($run.Command) names $way"
                }
                $run.Message.Contains($script:PassPhrase) | Should-BeFalse
                $run.Milliseconds | Should-BeLessThan 15000 -Because "$($run.Command) must fail at once, not wait"
            }
            $report
        }
    }

    AfterAll {
        Remove-Item -LiteralPath $script:PassRoot -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'is locked with the passphrase given on its first write, and no key file is made' {
        Test-Path -LiteralPath $script:PassKeyFile | Should-BeFalse
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($script:PassVault)).Contains('"kdf":"PBKDF2-SHA256"') | Should-BeTrue
        (Get-ManagedSecret -ConfigPath $script:PassConfig -Name db-password -VaultPassphrase (ConvertTo-SecureString $script:PassPhrase -AsPlainText -Force)).CurrentVersion | Should-Be 1
    }

    It 'refuses an empty -VaultPassphrase with its own error, changing nothing' {
        $before = [IO.File]::ReadAllBytes($script:PassVault)
        $err = $null
        try { Get-ManagedSecret -ConfigPath $script:PassConfig -VaultPassphrase ([securestring]::new()) -ErrorAction Stop } catch { $err = $_ }
        $err | Should-NotBeNull
        $err.FullyQualifiedErrorId | Should-BeLikeString 'VaultPassphraseEmpty,*'
        "$($err.CategoryInfo.Category)" | Should-Be 'InvalidArgument'
        $err.Exception.Message | Should-BeLikeString '*-VaultPassphrase is empty*ORCHESTRATOR_OPS_VAULT_KEY*secrets.keyFile*'
        [Convert]::ToBase64String([IO.File]::ReadAllBytes($script:PassVault)) | Should-Be ([Convert]::ToBase64String($before))
    }

    It 'fails at once in pwsh -NonInteractive with standard input closed, naming the three ways to unlock it' {
        $result = Join-Path $script:PassRoot 'closed-stdin.json'
        $run = Invoke-ChildPwsh -ScriptPath $script:NoKeyChild -ArgumentList @((Get-OpsModuleManifest), $script:PassConfig, $result) `
            -Environment $script:NoKeyEnvironment -CloseStandardInput -TimeoutSeconds 90
        $run.TimedOut | Should-BeFalse
        $run.Error | Should-Be ''
        $report = Assert-FailsAtOnceNamingTheThreeWays $result
        $report.InputRedirected | Should-BeTrue
    }

    It 'fails at once in a real terminal when pwsh runs -NonInteractive' {
        if (-not (Get-Command script -CommandType Application -ErrorAction SilentlyContinue)) {
            Set-ItResult -Skipped -Because 'util-linux script is not installed here (Debian: apt-get install bsdutils); build.ps1 Test installs it as root'
            return
        }
        # Only -NonInteractive says nobody is there: the input is a terminal and the host is ConsoleHost.
        $result = Join-Path $script:PassRoot 'terminal.json'
        $run = Invoke-ChildPwshInTerminal -ScriptPath $script:NoKeyChild -ArgumentList @((Get-OpsModuleManifest), $script:PassConfig, $result) `
            -NonInteractive -Environment $script:NoKeyEnvironment -TimeoutSeconds 90
        $run.TimedOut | Should-BeFalse -Because "the child waited: $($run.Output)"
        $run.Output.Contains('Passphrase of the vault') | Should-BeFalse
        $report = Assert-FailsAtOnceNamingTheThreeWays $result
        $report.HostName | Should-Be 'ConsoleHost'
        $report.InputRedirected | Should-BeFalse
    }

    It 'asks for the passphrase in a real terminal without -NonInteractive, where a person is' {
        if (-not (Get-Command script -CommandType Application -ErrorAction SilentlyContinue)) {
            Set-ItResult -Skipped -Because 'util-linux script is not installed here (Debian: apt-get install bsdutils); build.ps1 Test installs it as root'
            return
        }
        # The other side of the rule: a person at ConsoleHost is asked (and nobody answers here, so the child is stopped).
        $result = Join-Path $script:PassRoot 'interactive.json'
        $run = Invoke-ChildPwshInTerminal -ScriptPath $script:NoKeyChild -ArgumentList @((Get-OpsModuleManifest), $script:PassConfig, $result) `
            -Until "Passphrase of the vault $script:PassVault" -Environment $script:NoKeyEnvironment -TimeoutSeconds 90
        $run.TimedOut | Should-BeFalse -Because "no prompt appeared: $($run.Output)"
        $run.Exited | Should-BeFalse
        Test-Path -LiteralPath $result | Should-BeFalse
    }
}

Describe 'The service''s own API key' {
    It 'is imported as a managed secret when the service starts, and rotates without locking anyone out' {
        $service = Start-OpsService -ConfigPath $script:Config -PassThru
        $oldKey = (Get-Content -Raw -LiteralPath $service.ApiKeyPath).Trim()
        $info = Get-ManagedSecret -ConfigPath $script:Config -Name service-api-key
        $info.CurrentVersion | Should-Be 1
        Get-ManagedSecret -ConfigPath $script:Config -Name service-api-key -AsPlainText | Should-Be $oldKey

        $r = Update-Secret -ConfigPath $script:Config -Name service-api-key -Confirm:$false
        $r.Outcome | Should-Be 'Rotated'
        ($r.Checks | Where-Object Check -EQ 'service authentication').Status | Should-Be 'Pass'
        $newKey = (Get-Content -Raw -LiteralPath $service.ApiKeyPath).Trim()
        $newKey | Should-NotBe $oldKey
        $url = "$($service.ApiUrl.AbsoluteUri.TrimEnd('/'))/api/system/health"
        (Invoke-WebRequest -Uri $url -Headers @{ 'X-Api-Key' = $newKey } -SkipCertificateCheck).StatusCode | Should-Be 200
        (Invoke-WebRequest -Uri $url -Headers @{ 'X-Api-Key' = $oldKey } -SkipCertificateCheck).StatusCode | Should-Be 200

        Update-Secret -ConfigPath $script:Config -CompleteExpired -Name service-api-key -Force -Confirm:$false | Out-Null
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        do {
            $status = (Invoke-WebRequest -Uri $url -Headers @{ 'X-Api-Key' = $oldKey } -SkipCertificateCheck -SkipHttpErrorCheck).StatusCode
            if ($status -ne 401) { Start-Sleep -Milliseconds 200 }
        } while ($status -ne 401 -and [DateTime]::UtcNow -lt $deadline)
        $status | Should-Be 401
        (Invoke-WebRequest -Uri $url -Headers @{ 'X-Api-Key' = $newKey } -SkipCertificateCheck).StatusCode | Should-Be 200
        # The gateway authenticates to the wrappers with their tokens.
        (Invoke-WebRequest -Uri "$($service.GatewayUrl.AbsoluteUri.TrimEnd('/'))/routellm/v1/operation").StatusCode | Should-Be 200
        Stop-OpsService -ConfigPath $script:Config
    }
}

Describe 'Never leak' {
    It 'finds a recognizable value nowhere but in the vault and the targets after every command ran with -Verbose -Debug and errors were forced' {
        $marker = 'LEAKCHECK' + [Guid]::NewGuid().ToString('N')
        $body = @"
`$DebugPreference = 'Continue'; `$VerbosePreference = 'Continue'; `$InformationPreference = 'Continue'
`$c = '$script:Config'
`$v = ConvertTo-SecureString '$marker' -AsPlainText -Force
Update-Secret -ConfigPath `$c -Name provider-key -Value `$v -Confirm:`$false -Verbose -Debug | Tee-Object -Variable rotated | Format-List * | Out-String -Width 300
`$rotated | Format-List | Out-String -Width 300
`$rotated | Format-Table | Out-String -Width 300
Update-Secret -ConfigPath `$c -Name provider-key -Value `$v -Confirm:`$false -Verbose -Debug -WhatIf
Get-ManagedSecret -ConfigPath `$c -Verbose -Debug | Format-List * | Out-String -Width 300
Update-Secret -ConfigPath `$c -Name no-such-secret -Value `$v -Confirm:`$false -Verbose -Debug
Update-Secret -ConfigPath `$c -Name provider-key -Value (ConvertTo-SecureString "bad`nvalue$marker" -AsPlainText -Force) -Confirm:`$false -Verbose -Debug
Update-Secret -ConfigPath `$c -Name provider-key -RequestToken 'not a token' -Confirm:`$false
Update-Secret -ConfigPath `$c -All -OlderThan 0s -Confirm:`$false -Verbose -Debug | Format-List * | Out-String -Width 300
Update-Secret -ConfigPath `$c -CompleteExpired -Force -Confirm:`$false -Verbose -Debug | Format-List * | Out-String -Width 300
Get-WrapperHealth -ConfigPath `$c -Live -Verbose -Debug | Format-List * | Out-String -Width 300
Get-SystemHealth -ConfigPath `$c -Verbose -Debug | Out-String -Width 300
Test-OpsConfiguration -ConfigPath `$c -Verbose -Debug | Out-String -Width 300
New-Backup -ConfigPath `$c -Verbose -Debug | Out-String -Width 300
`$Error | ForEach-Object { `$_ | Format-List * -Force | Out-String -Width 300; `$_.Exception.ToString() }
"@
        $run = Invoke-Child $body
        $run.Output | Should-BeLikeString '*provider-key*'
        ($run.Output + $run.Error) | Should-BeLikeString '*SecretNotFound*'
        ($run.Output + $run.Error).Contains($marker) | Should-BeFalse
        # The value did arrive where it belongs.
        (Get-Content -Raw -LiteralPath (Join-Path $script:Root 'app/settings.json')).Contains($marker) | Should-BeTrue

        $excluded = @($script:Vault, (Join-Path $script:Root 'app/settings.json'))
        $hits = Get-ChildItem -LiteralPath $script:Root -Recurse -File -Force |
            Where-Object { $excluded -notcontains $_.FullName -and $_.Extension -notin '.zst', '.gz' } |
            Where-Object { [IO.File]::ReadAllText($_.FullName).Contains($marker) } |
            ForEach-Object FullName
        ($hits -join ', ') | Should-Be ''
        # Backups hold the vault (encrypted) and the targets; their manifests and logs must not hold the value either.
        @(Get-ChildItem -LiteralPath (Join-Path $script:Root 'backups') -Recurse -File -Filter *.json -ErrorAction SilentlyContinue |
            Where-Object { [IO.File]::ReadAllText($_.FullName).Contains($marker) }).Count | Should-Be 0
    }
}
