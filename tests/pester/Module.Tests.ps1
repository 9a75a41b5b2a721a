#Requires -Version 7.4
# The built module (out/Orchestrator.Ops, named by $env:ORCHESTRATOR_OPS_MODULE): its manifest,
# its layout on disk, and the private AssemblyLoadContext that keeps its dependencies its own.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $script:Manifest = Get-OpsModuleManifest
    $script:ModuleDir = Get-OpsModuleDirectory
    $script:Sep = [IO.Path]::DirectorySeparatorChar
}

Describe 'Manifest' {
    BeforeAll {
        $script:Info = Test-ModuleManifest -Path $script:Manifest -ErrorAction Stop
        $script:Data = Import-PowerShellDataFile -Path $script:Manifest
    }

    It 'is valid' {
        $script:Info.Name | Should-Be 'Orchestrator.Ops'
        $script:Info.Version | Should-Be ([version] '0.1.0')
    }

    It 'requires PowerShell 7.4 on Core only' {
        $script:Info.PowerShellVersion | Should-Be ([version] '7.4')
        $script:Info.CompatiblePSEditions | Should-BeCollection @('Core')
    }

    It 'has the cmdlet assembly as root module and exports no functions, aliases or variables' {
        $script:Data.RootModule | Should-Be 'Orchestrator.Ops.PowerShell.dll'
        @($script:Data.FunctionsToExport).Count | Should-Be 0
        @($script:Data.AliasesToExport).Count | Should-Be 0
        @($script:Data.VariablesToExport).Count | Should-Be 0
    }

    It 'wires the load context in a binary nested module, before the root module is scanned' {
        @($script:Data.NestedModules) | Should-BeCollection @('Orchestrator.Ops.Loader.dll')
        Test-Path (Join-Path $script:ModuleDir 'Orchestrator.Ops.Loader.dll') | Should-BeTrue
        Test-Path (Join-Path $script:ModuleDir 'Orchestrator.Ops.Loader.psm1') | Should-BeFalse
    }

    It 'lists the cmdlets it exports explicitly' {
        foreach ($name in 'Get-WrapperHealth', 'Get-SystemHealth', 'Get-WrapperMetric', 'Test-OpsConfiguration', 'Start-OpsSandbox', 'Stop-OpsSandbox') {
            @($script:Data.CmdletsToExport) -contains $name | Should-BeTrue -Because "CmdletsToExport must list $name"
        }
    }
}

Describe 'Layout' {
    It 'ships no PowerShell SDK assembly' {
        $shipped = @(Get-ChildItem $script:ModuleDir -Recurse -File | Where-Object {
                $_.Name -eq 'System.Management.Automation.dll' -or $_.Name -like 'Microsoft.PowerShell.*' -or $_.Name -like 'Microsoft.Management.Infrastructure*'
            } | ForEach-Object FullName)
        $shipped.Count | Should-Be 0 -Because "pwsh supplies its own; found: $($shipped -join ', ')"
    }

    It 'has only the cmdlet assembly and the loader assembly at the module root' {
        # A dependency beside the cmdlet assembly could be resolved into the default context by
        # PowerShell's own probing, bypassing the module's load context.
        $rootDlls = @(Get-ChildItem $script:ModuleDir -Filter '*.dll' -File | ForEach-Object Name | Sort-Object)
        $rootDlls | Should-BeCollection @('Orchestrator.Ops.Loader.dll', 'Orchestrator.Ops.PowerShell.dll')
    }

    It 'keeps the loader out of deps/ and the cmdlet assembly free of any reference to it' {
        Test-Path (Join-Path $script:ModuleDir 'deps/Orchestrator.Ops.Loader.dll') | Should-BeFalse
        Add-Type -AssemblyName System.Reflection.Metadata
        # Read its metadata without loading it, so this process's later Import-Module is unaffected.
        $stream = [IO.File]::OpenRead((Join-Path $script:ModuleDir 'Orchestrator.Ops.PowerShell.dll'))
        $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        try {
            $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            $references = @(foreach ($handle in $reader.AssemblyReferences) { $reader.GetString($reader.GetAssemblyReference($handle).Name) })
        }
        finally {
            $pe.Dispose()
        }
        $references | Should-ContainCollection @('Orchestrator.Ops.Core')
        $references | Should-NotContainCollection @('Orchestrator.Ops.Loader')
    }

    It 'keeps <_> in deps/' -ForEach 'Orchestrator.Ops.Core', 'Serilog', 'Polly.Core', 'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core', 'SQLitePCLRaw.provider.e_sqlite3', 'ZstdSharp' {
        Test-Path (Join-Path $script:ModuleDir "deps/$_.dll") | Should-BeTrue
    }

    It 'carries the native SQLite library for <Rid>' -ForEach @(
        @{ Rid = 'linux-x64'; File = 'libe_sqlite3.so' }
        @{ Rid = 'linux-arm64'; File = 'libe_sqlite3.so' }
        @{ Rid = 'linux-musl-x64'; File = 'libe_sqlite3.so' }
        @{ Rid = 'osx-x64'; File = 'libe_sqlite3.dylib' }
        @{ Rid = 'osx-arm64'; File = 'libe_sqlite3.dylib' }
        @{ Rid = 'win-x64'; File = 'e_sqlite3.dll' }
        @{ Rid = 'win-arm64'; File = 'e_sqlite3.dll' }
    ) {
        Test-Path (Join-Path $script:ModuleDir "deps/runtimes/$Rid/native/$File") | Should-BeTrue
    }

    It 'includes the sandbox fleet' {
        Test-Path (Join-Path $script:ModuleDir 'sandbox/Orchestrator.Ops.Sandbox.dll') | Should-BeTrue
    }
}

Describe 'Import' {
    BeforeAll {
        Get-Module Orchestrator.Ops | Remove-Module -Force
        $importErrors = $null
        $script:Module = Import-Module $script:Manifest -PassThru -ErrorVariable importErrors
        $script:ImportErrors = @($importErrors)
    }

    AfterAll {
        Get-Module Orchestrator.Ops | Remove-Module -Force
    }

    It 'imports cleanly' {
        $script:ImportErrors.Count | Should-Be 0 -Because ($script:ImportErrors | Out-String)
        $script:Module.Name | Should-Be 'Orchestrator.Ops'
    }

    It 'exports every cmdlet the manifest lists' {
        $listed = @((Import-PowerShellDataFile $script:Manifest).CmdletsToExport | Sort-Object)
        $exported = @($script:Module.ExportedCmdlets.Keys | Sort-Object)
        $exported | Should-BeCollection $listed
    }

    It 'has a format view for every type its cmdlets output' {
        $types = @($script:Module.ExportedCmdlets.Values | ForEach-Object { $_.OutputType } | ForEach-Object { $_.Name } |
                Where-Object { $_ -like 'Orchestrator.Ops.*' } | Sort-Object -Unique)
        $types.Count | Should-BeGreaterThan 20
        $missing = @($types | Where-Object { -not (Get-FormatData -TypeName $_) })
        $missing | Should-BeCollection @() -Because 'every output type gets a view in Orchestrator.Ops.format.ps1xml'
    }

    It 'loads the engine into the "Orchestrator.Ops" load context, not the default one, once a cmdlet runs' {
        $root = New-OpsTestDirectory -Prefix 'ops-import'
        try {
            $null = Start-OpsSandbox -Root $root -PassThru
            Stop-OpsSandbox
        }
        finally {
            Remove-Item $root -Recurse -Force -ErrorAction SilentlyContinue
        }
        $core = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Orchestrator.Ops.Core' })
        $core.Count | Should-Be 1
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($core[0]).Name | Should-Be 'Orchestrator.Ops'
        $core[0].Location | Should-BeLikeString "*$($script:Sep)deps$($script:Sep)Orchestrator.Ops.Core.dll"
    }

    It 'keeps one load context when imported again' {
        Import-Module $script:Manifest -Force
        Import-Module $script:Manifest -Force
        @(Get-OpsLoadContext).Count | Should-Be 1
    }
}

Describe 'Early wiring in a fresh session' {
    BeforeAll {
        # A fresh pwsh: nothing of the module is loaded yet, so the nested loader module alone must
        # have wired the context by the time PowerShell scans the cmdlet assembly. Get-Command then
        # resolves Get-WrapperHealth's OutputType, which names an engine type living in deps/.
        $script:EarlyRoot = New-OpsTestDirectory -Prefix 'ops-early'
        $script:EarlyResult = Join-Path $script:EarlyRoot 'early.json'
        $script_ = Join-Path $script:EarlyRoot 'early.ps1'
        Set-Content -LiteralPath $script_ -Value @'
param([string] $ModuleManifest, [string] $ResultPath)
$ErrorActionPreference = 'Stop'
$result = [ordered]@{ Error = $null; Nested = @(); Contexts = 0; OutputType = @(); OutputTypeAssembly = @(); OutputTypeContext = @() }
try {
    $module = Import-Module $ModuleManifest -PassThru
    $result.Nested = @($module.NestedModules | ForEach-Object { '{0}:{1}' -f $_.Name, $_.ModuleType })
    $result.Contexts = @([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'Orchestrator.Ops').Count
    $outputTypes = @((Get-Command Get-WrapperHealth -ErrorAction Stop).OutputType)
    $result.OutputType = @($outputTypes | ForEach-Object Name)
    $types = @($outputTypes | ForEach-Object Type | Where-Object { $null -ne $_ })
    $result.OutputTypeAssembly = @($types | ForEach-Object { $_.Assembly.GetName().Name })
    $result.OutputTypeContext = @($types | ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_.Assembly).Name })
}
catch {
    $result.Error = "$_"
}
$result | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $ResultPath
'@
        $script:EarlyChild = Invoke-ChildPwsh -ScriptPath $script_ -ArgumentList @('-ModuleManifest', $script:Manifest, '-ResultPath', $script:EarlyResult) -TimeoutSeconds 120
        $script:Early = if (Test-Path $script:EarlyResult) { Get-Content $script:EarlyResult -Raw | ConvertFrom-Json } else { $null }
        $script:EarlyReport = "exit $($script:EarlyChild.ExitCode)`n$($script:EarlyChild.Output)`n$($script:EarlyChild.Error)"
    }

    AfterAll {
        Remove-Item $script:EarlyRoot -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'imports with the loader dll as a binary nested module' {
        $script:EarlyChild.TimedOut | Should-BeFalse
        $script:Early | Should-NotBeNull -Because $script:EarlyReport
        $script:Early.Error | Should-BeNull -Because $script:EarlyReport
        @($script:Early.Nested) | Should-BeCollection @('Orchestrator.Ops.Loader:Binary')
        $script:EarlyChild.Error | Should-BeFalsy -Because 'nothing may be written to stderr'
    }

    It 'has exactly one "Orchestrator.Ops" load context right after Import-Module' {
        $script:Early | Should-NotBeNull -Because $script:EarlyReport
        $script:Early.Contexts | Should-Be 1
    }

    It "resolves Get-WrapperHealth's OutputType, an engine type, from the module's context" {
        $script:Early | Should-NotBeNull -Because $script:EarlyReport
        $script:Early.Error | Should-BeNull -Because $script:EarlyReport
        @($script:Early.OutputType) | Should-ContainCollection @('Orchestrator.Ops.Core.Health.WrapperHealth')
        @($script:Early.OutputTypeAssembly) | Should-ContainCollection @('Orchestrator.Ops.Core')
        @($script:Early.OutputTypeContext | Select-Object -Unique) | Should-BeCollection @('Orchestrator.Ops')
    }
}

Describe 'Isolation from other versions of the same dependencies' {
    BeforeAll {
        $script:IsolationRoot = $root = New-OpsTestDirectory -Prefix 'ops-isolation'
        $resultPath = Join-Path $root 'probe.json'
        $sandboxRoot = Join-Path $root 'root'
        $null = New-Item -ItemType Directory -Path $sandboxRoot
        $script:Child = Invoke-ChildPwsh -ScriptPath (Join-Path (Get-OpsRepositoryRoot) 'tests/fixtures/Isolation/Invoke-IsolationProbe.ps1') -ArgumentList @(
            '-ModuleManifest', $script:Manifest,
            '-Root', $sandboxRoot,
            '-SerilogPath', (Get-FixtureAssemblyPath 'Serilog'),
            '-PollyPath', (Get-FixtureAssemblyPath 'Polly'),
            '-PollyCorePath', (Get-FixtureAssemblyPath 'Polly.Core'),
            '-ResultPath', $resultPath)
        $script:Probe = if (Test-Path $resultPath) { Get-Content $resultPath -Raw | ConvertFrom-Json } else { $null }
        $script:ChildReport = "exit $($script:Child.ExitCode)`n$($script:Child.Output)`n$($script:Child.Error)"

        # The checks below read the probe's report; without a complete run they say so plainly.
        function Assert-ProbeCompleted {
            if ($null -eq $script:Probe -or $null -ne $script:Probe.Error) {
                throw "The isolation probe did not complete (see the first test of this block): $(if ($script:Probe) { $script:Probe.Error } else { $script:ChildReport })"
            }
        }
    }

    AfterAll {
        Remove-Item $script:IsolationRoot -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'runs the module end to end after another module loaded Serilog 2.10, Polly 7 and Polly.Core 8.1' {
        $script:Child.TimedOut | Should-BeFalse
        $script:Probe | Should-NotBeNull -Because $script:ChildReport
        $script:Probe.Error | Should-BeNull -Because "steps done: $($script:Probe.Steps -join ' -> ')"
        $script:Probe.HealthCount | Should-Be 6 -Because '3 wrappers x blue/green'
        $script:Probe.HealthWithStatus | Should-Be 6
    }

    It 'leaves the session on Serilog 2.10 while the module uses Serilog 4.4' {
        Assert-ProbeCompleted
        # Serilog 2.10's assembly version is 2.0.0.0; its file version tells 2.10 apart.
        @($script:Probe.Default.Serilog).Count | Should-Be 1
        $script:Probe.Default.Serilog[0].FileVersion | Should-BeLikeString '2.10.*'
        $script:Probe.SessionSerilogResolves | Should-BeLikeString '2.10.*'
        @($script:Probe.Module.Serilog).Count | Should-Be 1
        $script:Probe.Module.Serilog[0].Version | Should-Be '4.4.0.0'
        $script:Probe.Module.Serilog[0].Location | Should-BeLikeString "*$($script:Sep)deps$($script:Sep)Serilog.dll"
    }

    It "keeps the session's Polly.Core 8.1 apart from the module's, though both claim assembly version 8.0.0.0" {
        Assert-ProbeCompleted
        @($script:Probe.Default.Polly).Count | Should-Be 1
        $script:Probe.Default.PollyCore[0].FileVersion | Should-BeLikeString '8.1.*'
        @($script:Probe.Module.PollyCore).Count | Should-Be 1
        $script:Probe.Module.PollyCore[0].Location | Should-BeLikeString "*$($script:Sep)deps$($script:Sep)Polly.Core.dll"
        $script:Probe.Module.PollyCore[0].FileVersion | Should-NotBe $script:Probe.Default.PollyCore[0].FileVersion
    }

    It 'loads the engine only into its own context' {
        Assert-ProbeCompleted
        $script:Probe.OpsContextCount | Should-Be 1
        @($script:Probe.Default.Core).Count | Should-Be 0
        @($script:Probe.Module.Core).Count | Should-Be 1
    }

    It 'uses SQLite, native library included, from the module' {
        Assert-ProbeCompleted
        @($script:Probe.Module.Sqlite).Count | Should-Be 1
        @($script:Probe.NativeSqlite | Where-Object { $_ -like "*$($script:Sep)deps$($script:Sep)runtimes$($script:Sep)*" }).Count |
            Should-BeGreaterThanOrEqual 1 -Because "e_sqlite3 must come from deps/runtimes; loaded: $($script:Probe.NativeSqlite -join ', ')"
        @($script:Probe.StateDatabases).Count | Should-BeGreaterThanOrEqual 1 -Because 'the sandbox root must hold the SQLite state database'
    }
}
