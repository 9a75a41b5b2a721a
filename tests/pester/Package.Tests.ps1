#Requires -Version 7.4
# The module installed the PowerShell way: the .nupkg through PSResourceGet from a local feed, and the
# Azure Automation .zip expanded into a module path — each in a fresh pwsh with its own HOME, where
# nothing of the repository's out/ is on PSModulePath, imported by name and run from the installed copy.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $script:ModuleDir = Get-OpsModuleDirectory
    $script:RepoOut = Split-Path $script:ModuleDir -Parent
    $script:Version = [version] (Import-PowerShellDataFile (Get-OpsModuleManifest)).ModuleVersion
    $script:NewerVersion = [version]::new($script:Version.Major, $script:Version.Minor, $script:Version.Build + 1)
    $script:Work = New-OpsTestDirectory -Prefix 'ops-package'
    $script:Feed = Join-Path $script:Work 'feed'
    $packer = Join-Path (Get-OpsRepositoryRoot) 'build/New-ModulePackage.ps1'

    # The package build.ps1 Package writes, from the module under test, and a newer one of the same build.
    $script:Packages = @(& $packer -ModuleDirectory $script:ModuleDir -OutputDirectory $script:Feed)
    $script:Update = Join-Path $script:Work 'update'
    $script:UpdatePackage = (& $packer -ModuleDirectory $script:ModuleDir -OutputDirectory $script:Update -Version $script:NewerVersion | Where-Object Kind -EQ 'nupkg').Path

    function Invoke-FreshPwsh {
        <#
            A child `pwsh -NoProfile -NonInteractive -File` with a HOME of its own (so its user module
            path and PSResourceGet's repository list start empty), PSModulePath left for pwsh to compute,
            standard input closed, killed after -TimeoutSeconds. Returns ExitCode, Output, Error, Result
            (the JSON the script printed last, parsed).
        #>
        param([string] $Name, [string] $Script, [string] $HomeDir, [int] $TimeoutSeconds = 300, [string[]] $ArgumentList = @())
        $path = Join-Path $script:Work "$Name.ps1"
        Set-Content -LiteralPath $path -Value $Script -Encoding utf8NoBOM
        $null = New-Item -ItemType Directory -Path $HomeDir -Force
        $run = Invoke-ChildPwsh -ScriptPath $path -ArgumentList $ArgumentList -TimeoutSeconds $TimeoutSeconds -CloseStandardInput `
            -WorkingDirectory $HomeDir -Environment @{ HOME = $HomeDir } `
            -RemoveEnvironment 'PSModulePath', 'ORCHESTRATOR_OPS_MODULE', 'ORCHESTRATOR_OPS_CONFIG', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME'
        if ($run.TimedOut) { throw "$Name did not finish within $TimeoutSeconds s. Output: $($run.Output) Errors: $($run.Error)" }
        $run
    }

    # What every installed copy must do, run from that copy: the sandbox, a live probe, the service,
    # a gated switch, then everything stopped. Prints one line "RESULT <json>".
    $script:Smoke = @'
param([string] $Root, [string] $RepoOut)
$ErrorActionPreference = 'Stop'
$r = [ordered]@{}
$r.OutOnModulePath = @($env:PSModulePath -split [IO.Path]::PathSeparator | Where-Object { $_ -and $_.StartsWith($RepoOut) })
Import-Module Orchestrator.Ops
$m = Get-Module Orchestrator.Ops
$r.ModuleBase = $m.ModuleBase
$r.Version = "$($m.Version)"
$r.Cmdlets = @(Get-Command -Module Orchestrator.Ops -CommandType Cmdlet).Count
$r.Synopsis = (Get-Help Get-WrapperHealth).Synopsis
$r.AboutTopic = @(Get-Help about_Orchestrator.Ops_Deployment).Count
$r.SandboxFrom = ''
$r.ServiceFrom = ''
$configPath = $null
try {
    $sandbox = Start-OpsSandbox -Root $Root -PassThru
    $r.SandboxFrom = (Get-Process -Id $sandbox.ProcessId).CommandLine
    # A wrapper is Unknown until its window holds healthChecks.minimumSamples (3) probes.
    $null = Get-WrapperHealth -Live
    $null = Get-WrapperHealth -Live
    $health = @(Get-WrapperHealth -Live)
    $r.Health = @($health | ForEach-Object { "$($_.Name)/$($_.Slot)=$($_.Status)" })
    $r.Table = ($health | Format-Table | Out-String -Width 200)
    # The sandbox's configuration with the service on free ports, so the test never takes a real :5000.
    $config = Get-Content -Raw $sandbox.ConfigPath | ConvertFrom-Json -AsHashtable
    $config.service = @{ apiPort = 0; gatewayPort = 0 }
    $config.Remove('$schema')
    $configPath = Join-Path $Root 'smoke.json'
    $config | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $configPath
    Start-OpsService -ConfigPath $configPath -Confirm:$false
    $service = Get-OpsService -ConfigPath $configPath
    $r.ServiceRunning = $service.Running -and $service.Healthy
    $r.ServiceFrom = (Get-Process -Id $service.ProcessId).CommandLine
    $switch = Switch-DeploymentSlot green -ConfigPath $configPath -AnalysisDuration 0 -Confirm:$false -WarningAction SilentlyContinue
    $r.Switch = "$($switch.From)->$($switch.To) $($switch.Outcome)"
    $r.Active = (Get-DeploymentSlot -ConfigPath $configPath | Where-Object Active).Name
}
finally {
    if ($configPath) { Stop-OpsService -ConfigPath $configPath -Confirm:$false -ErrorAction SilentlyContinue }
    Stop-OpsSandbox -Root $Root -ErrorAction SilentlyContinue
}
$r.ServiceStopped = -not (Get-OpsService -ConfigPath $configPath).Running
"RESULT $($r | ConvertTo-Json -Compress -Depth 4)"
'@

    function Assert-Smoke($run, [string] $InstalledUnder, [string] $ExpectedVersion) {
        $run.ExitCode | Should -Be 0 -Because "the smoke run must succeed. Output: $($run.Output) Errors: $($run.Error)"
        $r = $run.Result
        $r | Should -Not -BeNullOrEmpty -Because "the smoke run prints its RESULT line. Output: $($run.Output)"
        @($r.OutOnModulePath).Count | Should -Be 0 -Because 'nothing of the repository''s out/ may be on the fresh PSModulePath'
        $r.ModuleBase | Should -BeLike "$InstalledUnder*"
        $r.Version | Should -Be $ExpectedVersion
        $r.Cmdlets | Should -Be 30
        $r.Synopsis | Should -Not -BeNullOrEmpty
        $r.AboutTopic | Should -Be 1
        $r.SandboxFrom | Should -BeLike "*$InstalledUnder*Orchestrator.Ops.Sandbox.dll*"
        $r.ServiceFrom | Should -BeLike "*$InstalledUnder*Orchestrator.Ops.Service.dll*"
        @($r.Health).Count | Should -Be 6
        @($r.Health | Where-Object { $_ -like '*=Healthy' }).Count | Should -Be 6
        $r.Table | Should -Match 'HealthScore|Score'
        $r.ServiceRunning | Should -BeTrue
        $r.Switch | Should -Be 'blue->green Switched'
        $r.Active | Should -Be 'green'
        $r.ServiceStopped | Should -BeTrue
    }
}

AfterAll {
    if ($script:Work -and (Test-Path $script:Work)) { Remove-Item $script:Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'build.ps1 Package' {
    It 'writes the nupkg named by the manifest version and the zip, under the Azure Automation limit' {
        $nupkg = $script:Packages | Where-Object Kind -EQ 'nupkg'
        $zip = $script:Packages | Where-Object Kind -EQ 'zip'
        Split-Path $nupkg.Path -Leaf | Should -Be "Orchestrator.Ops.$($script:Version).nupkg"
        Split-Path $zip.Path -Leaf | Should -Be 'Orchestrator.Ops.zip'
        $zip.Bytes | Should -BeLessThan 100MB
        $nupkg.Bytes | Should -BeGreaterThan 1MB
    }

    It 'puts the whole module in the zip, the module folder at its root' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $archive = [IO.Compression.ZipFile]::OpenRead(($script:Packages | Where-Object Kind -EQ 'zip').Path)
        try { $names = @($archive.Entries.FullName) } finally { $archive.Dispose() }
        @($names | Where-Object { -not $_.StartsWith('Orchestrator.Ops/') }).Count | Should -Be 0
        foreach ($expected in 'Orchestrator.Ops.psd1', 'Orchestrator.Ops.PowerShell.dll', 'Orchestrator.Ops.Loader.dll', 'Orchestrator.Ops.format.ps1xml',
            'orchestrator-ops.schema.json', 'LICENSE', 'en-US/Orchestrator.Ops.PowerShell.dll-Help.xml', 'en-US/about_Orchestrator.Ops.help.txt',
            'deps/Orchestrator.Ops.Core.dll', 'deps/Microsoft.Data.Sqlite.dll', 'deps/runtimes/linux-x64/native/libe_sqlite3.so',
            'sandbox/Orchestrator.Ops.Sandbox.dll', 'sandbox/Orchestrator.Ops.Sandbox.runtimeconfig.json',
            'service/Orchestrator.Ops.Service.dll', 'service/Orchestrator.Ops.Service.runtimeconfig.json',
            'examples/Invoke-DailyMaintenance.ps1', 'examples/README.md', 'examples/systemd/orchestrator-ops-daily.timer') {
            $names | Should -Contain "Orchestrator.Ops/$expected"
        }
    }

    It 'carries the manifest metadata a gallery shows: release notes from CHANGELOG.md, licence, project, Linux only' {
        $data = Import-PowerShellDataFile (Get-OpsModuleManifest)
        $psData = $data.PrivateData.PSData
        $changelog = Get-Content (Join-Path (Get-OpsRepositoryRoot) 'CHANGELOG.md') -Raw
        $psData.ReleaseNotes.StartsWith("[$($script:Version)] - ") | Should -BeTrue -Because 'the release notes start with the release''s own heading'
        $changelog | Should -Match ([regex]::Escape(($psData.ReleaseNotes -split "`n")[2]))
        foreach ($assembly in 'Orchestrator.Ops.PowerShell.dll', 'Orchestrator.Ops.Loader.dll', 'deps/Orchestrator.Ops.Core.dll', 'sandbox/Orchestrator.Ops.Sandbox.dll', 'service/Orchestrator.Ops.Service.dll') {
            $info = [Diagnostics.FileVersionInfo]::GetVersionInfo((Join-Path (Get-OpsModuleDirectory) $assembly))
            $info.ProductVersion -replace '\+.*$', '' | Should -Be $data.ModuleVersion -Because "$assembly takes its version from the manifest"
            $info.FileVersion | Should -Be "$($data.ModuleVersion).0" -Because "$assembly takes its version from the manifest"
        }
        $psData.LicenseUri | Should -Match '^https://'
        $psData.ProjectUri | Should -Match '^https://'
        $psData.Tags | Should -Contain 'Linux'
        $psData.Tags | Should -Contain 'PSEdition_Core'
        $psData.Tags | Should -Not -Contain 'Windows'
        $psData.Tags | Should -Not -Contain 'MacOS'
    }
}

Describe 'Install-PSResource from a local feed, in a fresh pwsh' {
    BeforeAll {
        $script:HomeDir = Join-Path $script:Work 'home-psresource'
        $script:UserModules = Join-Path $script:HomeDir '.local/share/powershell/Modules'
        $install = @'
param([string] $Feed, [string] $Version)
$ErrorActionPreference = 'Stop'
$r = [ordered]@{}
$r.Before = @(Get-Module -ListAvailable Orchestrator.Ops).Count
Register-PSResourceRepository -Name OpsLocal -Uri $Feed -Trusted
$found = Find-PSResource -Name Orchestrator.Ops -Repository OpsLocal
$r.Found = "$($found.Version)"
$r.ReleaseNotes = $found.ReleaseNotes
Install-PSResource -Name Orchestrator.Ops -Repository OpsLocal -Scope CurrentUser -TrustRepository
$r.Installed = @(Get-InstalledPSResource -Name Orchestrator.Ops | ForEach-Object { "$($_.Version)" })
"RESULT $($r | ConvertTo-Json -Compress)"
'@
        $script:Install = Invoke-FreshPwsh -Name 'install' -Script $install -HomeDir $script:HomeDir -ArgumentList @('-Feed', $script:Feed)
    }

    It 'finds the package in the feed and installs it for the current user' {
        $script:Install.ExitCode | Should -Be 0 -Because "$($script:Install.Output) $($script:Install.Error)"
        $script:Install.Result.Before | Should -Be 0
        $script:Install.Result.Found | Should -Be "$($script:Version)"
        $script:Install.Result.ReleaseNotes | Should -BeLike "*$($script:Version)*"
        @($script:Install.Result.Installed) | Should -Be @("$($script:Version)")
        Test-Path (Join-Path $script:UserModules "Orchestrator.Ops/$($script:Version)/Orchestrator.Ops.psd1") | Should -BeTrue
    }

    It 'imports by name and runs the sandbox, a live probe, the service and a switch from the installed copy' {
        $run = Invoke-FreshPwsh -Name 'smoke-installed' -Script $script:Smoke -HomeDir $script:HomeDir -ArgumentList @('-Root', (Join-Path $script:Work 'sandbox-installed'), '-RepoOut', $script:RepoOut)
        Assert-Smoke $run -InstalledUnder (Join-Path $script:UserModules 'Orchestrator.Ops') -ExpectedVersion "$($script:Version)"
    }

    It 'picks up a newer version with Update-PSResource, lists both, and Uninstall-PSResource removes them' {
        # The newer version is published to the same feed, as a release would be.
        Copy-Item -LiteralPath $script:UpdatePackage -Destination $script:Feed
        $update = @'
$ErrorActionPreference = 'Stop'
$r = [ordered]@{}
Update-PSResource -Name Orchestrator.Ops -Repository OpsLocal -Scope CurrentUser -TrustRepository
$r.Installed = @(Get-InstalledPSResource -Name Orchestrator.Ops | Sort-Object Version | ForEach-Object { "$($_.Version)" })
Import-Module Orchestrator.Ops
$r.Imported = "$((Get-Module Orchestrator.Ops).Version)"
Remove-Module Orchestrator.Ops
Uninstall-PSResource -Name Orchestrator.Ops -Version '*' -Scope CurrentUser
$r.After = @(Get-InstalledPSResource -Name Orchestrator.Ops -ErrorAction SilentlyContinue).Count
$r.ListAvailable = @(Get-Module -ListAvailable Orchestrator.Ops).Count
"RESULT $($r | ConvertTo-Json -Compress)"
'@
        $run = Invoke-FreshPwsh -Name 'update' -Script $update -HomeDir $script:HomeDir
        $run.ExitCode | Should -Be 0 -Because "$($run.Output) $($run.Error)"
        @($run.Result.Installed) | Should -Be @("$($script:Version)", "$($script:NewerVersion)")
        $run.Result.Imported | Should -Be "$($script:NewerVersion)"
        $run.Result.After | Should -Be 0
        $run.Result.ListAvailable | Should -Be 0
        Test-Path (Join-Path $script:UserModules 'Orchestrator.Ops/*/Orchestrator.Ops.psd1') | Should -BeFalse
    }
}

Describe 'The Azure Automation zip, expanded into a fresh module path' {
    It 'imports by name and runs the same smoke' {
        $homeDir = Join-Path $script:Work 'home-zip'
        $modules = Join-Path $homeDir '.local/share/powershell/Modules'
        $null = New-Item -ItemType Directory -Path $modules -Force
        Expand-Archive -LiteralPath ($script:Packages | Where-Object Kind -EQ 'zip').Path -DestinationPath $modules
        $run = Invoke-FreshPwsh -Name 'smoke-zip' -Script $script:Smoke -HomeDir $homeDir -ArgumentList @('-Root', (Join-Path $script:Work 'sandbox-zip'), '-RepoOut', $script:RepoOut)
        Assert-Smoke $run -InstalledUnder (Join-Path $modules 'Orchestrator.Ops') -ExpectedVersion "$($script:Version)"
    }
}
