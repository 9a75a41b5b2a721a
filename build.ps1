#Requires -Version 7.4

<#
.SYNOPSIS
    Builds, tests, runs and benchmarks Orchestrator.Ops.

.DESCRIPTION
    Run with the repository's pinned PowerShell: `dotnet tool restore`, then
    `dotnet pwsh ./build.ps1 <Task>`.

      Build  dotnet build the solution, then lay out the importable module under
             out/Orchestrator.Ops/ (manifest, format/types, cmdlet and loader assemblies at the root,
             private dependencies under deps/, the sandbox under sandbox/, the monitoring
             service under service/, help under en-US/).
      Test   Build, then every xunit project (tests/*/*.Tests.csproj, one after another)
             and every Pester file (tests/pester/*.Tests.ps1, in a child pwsh). The last
             line printed is "N passed, N failed[, N skipped]".
      Start  Build, then start the sandbox fleet and the monitoring service through the module, drive
             synthetic traffic through the gateway, show the dashboard, key and health; until Ctrl+C.
      Bench  Build, then run every bench/*.Bench.ps1; output is saved under bench/results/.
      Package
             Build, then write the installable module under out/packages/: Orchestrator.Ops.<version>.nupkg
             (PSResourceGet's Compress-PSResource: for Install-PSResource from a feed or a folder) and
             Orchestrator.Ops.zip (the module folder at its root, as Azure Automation imports a module).

    Test, Start and Bench first check the programs they run besides the SDK (build/Prerequisites.psd1).
    Run as root on a Debian-like system, they install what is missing with apt-get; anywhere else (or
    with -NoInstall) they stop before building with one message naming the missing programs and the
    command that installs them.

.EXAMPLE
    dotnet pwsh ./build.ps1 Test -Configuration Debug
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [string] $Task = 'Build',

    [string] $Configuration = 'Release',

    # Never install missing programs; stop with the command that would.
    [switch] $NoInstall
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
# Plain text when output is captured (CI logs, `| tail`); colours only on a terminal.
# NO_COLOR carries the choice to the child pwsh processes (help generator, Pester, Start, Bench).
if ([Console]::IsOutputRedirected) {
    $PSStyle.OutputRendering = 'PlainText'
    $env:NO_COLOR = '1'
}
# Native exit codes are checked explicitly (Invoke-Native), so test runs can finish every suite
# before deciding; this keeps PowerShell from throwing on its own.
$PSNativeCommandUseErrorActionPreference = $false

$Tasks = [ordered]@{
    Build = 'build the solution and lay out out/Orchestrator.Ops/'
    Test  = 'Build, then run the xunit and Pester tests'
    Start = 'Build, then run the sandbox, the monitoring service and synthetic traffic until Ctrl+C'
    Bench = 'Build, then run bench/*.Bench.ps1 (results in bench/results/)'
    Package = 'Build, then write the .nupkg and the Azure Automation .zip under out/packages/'
}

$RepoRoot = $PSScriptRoot
$OutDir = Join-Path $RepoRoot 'out'
$ModuleName = 'Orchestrator.Ops'
$ModuleDir = Join-Path $OutDir $ModuleName
$ModuleManifest = Join-Path $ModuleDir "$ModuleName.psd1"
$CmdletAssemblyName = 'Orchestrator.Ops.PowerShell'
$LoaderAssemblyName = 'Orchestrator.Ops.Loader'
$TestResultsDir = Join-Path $OutDir 'test-results'
$PackageDir = Join-Path $OutDir 'packages'

function Write-Step([string] $Text) {
    Write-Host "==> $Text" -ForegroundColor Cyan
}

function Invoke-Native([string] $FilePath, [string[]] $ArgumentList = @(), [switch] $PassThruExitCode) {
    # A plain (not advanced) function with the arguments as one array: native switches such as
    # -c, -o or -v:minimal must never be taken for PowerShell parameters.
    Write-Host "    $FilePath $($ArgumentList -join ' ')" -ForegroundColor DarkGray
    & $FilePath @ArgumentList | Out-Host
    $code = $LASTEXITCODE
    if ($PassThruExitCode) { return $code }
    if ($code -ne 0) {
        $what = (@([IO.Path]::GetFileName($FilePath)) + @($ArgumentList | Select-Object -First 2)) -join ' '
        throw "'$what ...' failed with exit code $code (full command above)."
    }
}

function Get-PwshInvocation {
    <#
        How to start a child pwsh that is this same PowerShell. As a dotnet tool, pwsh runs as
        `dotnet <PSHOME>/pwsh.dll`; installed normally it is <PSHOME>/pwsh. Going through the
        process path (not `dotnet pwsh`) keeps children independent of the working directory.
    #>
    $processPath = [Environment]::ProcessPath
    $leaf = [IO.Path]::GetFileNameWithoutExtension($processPath)
    if ($leaf -eq 'dotnet') {
        return [pscustomobject]@{ FilePath = $processPath; Prefix = @((Join-Path $PSHOME 'pwsh.dll')) }
    }
    return [pscustomobject]@{ FilePath = $processPath; Prefix = @() }
}

function Invoke-ChildPwsh {
    param(
        [Parameter(Mandatory)] [string] $ScriptPath,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{},
        [switch] $PassThruExitCode
    )
    $pwsh = Get-PwshInvocation
    $saved = @{}
    foreach ($key in $Environment.Keys) {
        $saved[$key] = [Environment]::GetEnvironmentVariable($key)
        [Environment]::SetEnvironmentVariable($key, [string] $Environment[$key])
    }
    try {
        $arguments = @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $ScriptPath) + $ArgumentList
        $code = Invoke-Native $pwsh.FilePath $arguments -PassThruExitCode
        if ($PassThruExitCode) { return $code }
        if ($code -ne 0) {
            $relative = [IO.Path]::GetRelativePath($RepoRoot, $ScriptPath)
            throw "$relative failed (exit code $code); its output is above."
        }
    }
    finally {
        foreach ($key in $saved.Keys) {
            [Environment]::SetEnvironmentVariable($key, $saved[$key])
        }
    }
}

function Get-ReleaseNotes([string] $ChangelogPath, [string] $Version) {
    <# The newest released section of CHANGELOG.md (Keep a Changelog form): its version must be the manifest's. #>
    if (-not (Test-Path -LiteralPath $ChangelogPath)) { throw "CHANGELOG.md is missing ($ChangelogPath)." }
    $lines = Get-Content -LiteralPath $ChangelogPath
    $start = -1
    for ($i = 0; $i -lt $lines.Count; $i++) {
        if ($lines[$i] -match '^## \[(?<v>\d+\.\d+\.\d+[^\]]*)\]') { $start = $i; break }
    }
    if ($start -lt 0) { throw "CHANGELOG.md has no released section ('## [x.y.z] - date')." }
    if ($Matches.v -ne $Version) {
        throw "CHANGELOG.md's newest released section is [$($Matches.v)], but the manifest's ModuleVersion is ${Version}: give the release its section (or the manifest its version)."
    }
    $body = [System.Collections.Generic.List[string]]::new()
    $body.Add($lines[$start].Substring(3))
    for ($i = $start + 1; $i -lt $lines.Count -and $lines[$i] -notmatch '^## '; $i++) { $body.Add($lines[$i]) }
    return ($body -join "`n").Trim()
}

function Write-ModuleManifest([string] $Source, [string] $Destination) {
    <# Copies the manifest with ReleaseNotes filled in from CHANGELOG.md, and checks that the result still parses. #>
    $text = Get-Content -LiteralPath $Source -Raw
    $version = (Import-PowerShellDataFile -LiteralPath $Source).ModuleVersion
    $notes = Get-ReleaseNotes (Join-Path $RepoRoot 'CHANGELOG.md') $version
    $placeholder = "ReleaseNotes = ''"
    if (-not $text.Contains($placeholder)) { throw "The manifest $Source has no `"$placeholder`" line for the release notes." }
    $text = $text.Replace($placeholder, "ReleaseNotes = '$($notes.Replace("'", "''"))'")
    Set-Content -LiteralPath $Destination -Value $text -Encoding utf8NoBOM -NoNewline
    $stamped = Import-PowerShellDataFile -LiteralPath $Destination
    if ($stamped.PrivateData.PSData.ReleaseNotes -ne $notes) { throw "The release notes did not survive the manifest's quoting ($Destination)." }
    Write-Host "    version $version; release notes from CHANGELOG.md ($($notes.Length) characters)"
}

function Invoke-Build {
    Write-Step "Build $ModuleName ($Configuration)"
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'Orchestrator.Ops.sln'), '-c', $Configuration, '--nologo', '-v:minimal')

    Write-Step "Lay out $ModuleDir"
    if (Test-Path $ModuleDir) { Remove-Item $ModuleDir -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleDir
    $moduleSource = Join-Path $RepoRoot 'module'

    # Manifest (with the changelog's newest section as its release notes), views, types, schema and the
    # licence at the module root.
    Write-ModuleManifest -Source (Join-Path $moduleSource "$ModuleName.psd1") -Destination $ModuleManifest
    Copy-Item (Join-Path $RepoRoot 'LICENSE') $ModuleDir
    # The scheduled-script examples travel with the module, so an installed copy has them (<ModuleBase>/examples).
    Copy-Item (Join-Path $RepoRoot 'examples') (Join-Path $ModuleDir 'examples') -Recurse
    foreach ($optional in "$ModuleName.format.ps1xml", "$ModuleName.types.ps1xml", 'orchestrator-ops.schema.json') {
        $path = Join-Path $moduleSource $optional
        if (Test-Path $path) { Copy-Item $path $ModuleDir }
    }

    # The cmdlet assembly at the root (PowerShell loads it into the default context); everything
    # it needs at run time under deps/, which only the module's own load context probes.
    $publishDir = Join-Path $OutDir "publish-$CmdletAssemblyName"
    if (Test-Path $publishDir) { Remove-Item $publishDir -Recurse -Force }
    Invoke-Native dotnet @('publish', (Join-Path $RepoRoot "src/$CmdletAssemblyName"), '-c', $Configuration, '--no-build', '--nologo', '-v:minimal', '-o', $publishDir)
    $depsDir = Join-Path $ModuleDir 'deps'
    $null = New-Item -ItemType Directory -Path $depsDir
    foreach ($file in Get-ChildItem $publishDir -File) {
        if ($file.BaseName -eq $CmdletAssemblyName -and $file.Extension -in '.dll', '.pdb') {
            Copy-Item $file.FullName $ModuleDir
        }
        elseif ($file.Extension -in '.dll', '.pdb') {
            # .deps.json and XML docs are left behind: nothing in pwsh reads them for a module.
            Copy-Item $file.FullName $depsDir
        }
    }
    $runtimes = Join-Path $publishDir 'runtimes'
    if (Test-Path $runtimes) {
        foreach ($native in Get-ChildItem $runtimes -Directory | ForEach-Object { Join-Path $_.FullName 'native' } | Where-Object { Test-Path $_ }) {
            $rid = Split-Path (Split-Path $native -Parent) -Leaf
            $target = Join-Path $depsDir "runtimes/$rid/native"
            $null = New-Item -ItemType Directory -Path $target -Force
            Copy-Item (Join-Path $native '*') $target -Recurse
        }
    }
    Remove-Item $publishDir -Recurse -Force

    # The loader (the manifest's nested module) at the root too: PowerShell imports it before the
    # cmdlet assembly, and it wires the load context for deps/. It references nothing of ours, so
    # only its own dll (and pdb) is taken from its publish output.
    $loaderPublishDir = Join-Path $OutDir "publish-$LoaderAssemblyName"
    if (Test-Path $loaderPublishDir) { Remove-Item $loaderPublishDir -Recurse -Force }
    Invoke-Native dotnet @('publish', (Join-Path $RepoRoot "src/$LoaderAssemblyName"), '-c', $Configuration, '--no-build', '--nologo', '-v:minimal', '-o', $loaderPublishDir)
    foreach ($extension in '.dll', '.pdb') {
        $path = Join-Path $loaderPublishDir "$LoaderAssemblyName$extension"
        if (Test-Path $path) { Copy-Item $path $ModuleDir }
        elseif ($extension -eq '.dll') { throw "The loader's publish output has no $LoaderAssemblyName.dll ($loaderPublishDir)." }
    }
    Remove-Item $loaderPublishDir -Recurse -Force

    $forbidden = Get-ChildItem $ModuleDir -Recurse -File |
        Where-Object { $_.Name -eq 'System.Management.Automation.dll' -or $_.Name -like 'Microsoft.PowerShell.*.dll' -or $_.Name -eq 'Microsoft.Management.Infrastructure.dll' }
    if ($forbidden) {
        throw "PowerShell SDK assemblies must never ship with the module, found: $($forbidden.FullName -join ', ')"
    }

    Write-Step 'Publish the sandbox fleet'
    Invoke-Native dotnet @('publish', (Join-Path $RepoRoot 'src/Orchestrator.Ops.Sandbox'), '-c', $Configuration, '--no-build', '--nologo', '-v:minimal', '-o', (Join-Path $ModuleDir 'sandbox'))

    # The monitoring service: its own process too (Start-OpsService), with the engine in its folder.
    Write-Step 'Publish the monitoring service'
    Invoke-Native dotnet @('publish', (Join-Path $RepoRoot 'src/Orchestrator.Ops.Service'), '-c', $Configuration, '--no-build', '--nologo', '-v:minimal', '-o', (Join-Path $ModuleDir 'service'))

    Write-Step 'Help'
    $helpDir = Join-Path $ModuleDir 'en-US'
    $null = New-Item -ItemType Directory -Path $helpDir
    $helpSource = Join-Path $moduleSource 'en-US'
    if (Test-Path $helpSource) {
        Get-ChildItem $helpSource -Filter 'about_*.help.txt' -File | Copy-Item -Destination $helpDir
    }
    # In a child pwsh: importing the module there keeps this process from loading (and locking) it.
    Invoke-ChildPwsh -ScriptPath (Join-Path $RepoRoot 'build/New-ModuleHelp.ps1') -ArgumentList @(
        '-ModuleManifest', $ModuleManifest,
        '-SourceDirectory', $helpSource,
        '-OutputPath', (Join-Path $helpDir "$CmdletAssemblyName.dll-Help.xml"))

    Write-Host "    module: $ModuleManifest"
}

function Get-TrxCounts([string] $Path) {
    [xml] $trx = Get-Content -LiteralPath $Path -Raw
    $results = @($trx.SelectNodes("//*[local-name()='UnitTestResult']"))
    $failedResults = @($results | Where-Object outcome -In 'Failed', 'Error', 'Timeout', 'Aborted')
    [pscustomobject]@{
        Passed      = @($results | Where-Object outcome -EQ 'Passed').Count
        Failed      = $failedResults.Count
        Skipped     = @($results | Where-Object outcome -In 'NotExecuted', 'Inconclusive', 'Pending', 'Warning').Count
        # Each failed test with the first line of its message: repeated in the summary, where a log's tail still shows it.
        FailedNames = @($failedResults | ForEach-Object {
                $message = $_.SelectSingleNode(".//*[local-name()='Message']")
                $first = if ($message) { (($message.InnerText -split "`n")[0]).Trim() } else { $_.outcome }
                "$($_.testName): $first"
            })
    }
}

function Invoke-XunitSuites {
    $summaries = [System.Collections.Generic.List[object]]::new()
    $projects = Get-ChildItem (Join-Path $RepoRoot 'tests') -Directory |
        ForEach-Object { Get-ChildItem $_.FullName -Filter '*.Tests.csproj' -File } |
        Sort-Object Name
    foreach ($project in $projects) {
        $name = $project.BaseName
        Write-Step "xunit: $name"
        $trxName = "$name.trx"
        $trxPath = Join-Path $TestResultsDir $trxName
        if (Test-Path $trxPath) { Remove-Item $trxPath -Force }
        # One project at a time (2-core machine); build output is reused, never rebuilt.
        $code = Invoke-Native dotnet @('test', $project.FullName, '--no-build', '-c', $Configuration, '--nologo',
            '--logger', "trx;LogFileName=$trxName", '--results-directory', $TestResultsDir) -PassThruExitCode
        if (Test-Path $trxPath) {
            $counts = Get-TrxCounts $trxPath
            if ($code -ne 0 -and $counts.Failed -eq 0) {
                # The run itself broke (crash, bad configuration) after writing partial results.
                $counts.Failed = 1
                $counts.FailedNames = @("the test run exited with code $code after writing partial results")
            }
        }
        else {
            Write-Warning "$name produced no test results (exit code $code); counted as one failure."
            $counts = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0; FailedNames = @("no test results (exit code $code)") }
        }
        $summaries.Add([pscustomobject]@{ Suite = "xunit $name"; Passed = $counts.Passed; Failed = $counts.Failed; Skipped = $counts.Skipped; FailedNames = $counts.FailedNames })
    }
    return $summaries
}

function Get-PesterModulePath {
    Write-Step 'Restore Pester'
    Invoke-Native dotnet @('restore', (Join-Path $RepoRoot 'tests/tools/PesterDownload/PesterDownload.csproj'), '-v:minimal')
    $lines = @(dotnet nuget locals global-packages -l)
    if ($LASTEXITCODE -ne 0) { throw 'dotnet nuget locals global-packages -l failed.' }
    $line = $lines | Where-Object { $_ -match '^\s*global-packages:' } | Select-Object -First 1
    if (-not $line) { throw "Could not read the NuGet global packages folder from: $($lines -join ' ')" }
    $globalPackages = ($line -replace '^\s*global-packages:\s*', '').Trim()
    $manifest = Join-Path $globalPackages 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $manifest)) { throw "Pester 6.2.0 was restored but $manifest does not exist." }
    return $manifest
}

function Invoke-PesterSuites {
    $pesterFiles = @(Get-ChildItem (Join-Path $RepoRoot 'tests/pester') -Filter '*.Tests.ps1' -File -ErrorAction SilentlyContinue)
    if ($pesterFiles.Count -eq 0) { return @() }

    Write-Step 'Build test fixtures'
    Get-ChildItem (Join-Path $RepoRoot 'tests/fixtures') -Filter '*.csproj' -Recurse -File | ForEach-Object {
        Invoke-Native dotnet @('build', $_.FullName, '-c', $Configuration, '--nologo', '-v:minimal')
    }

    $pester = Get-PesterModulePath
    Write-Step "Pester: $($pesterFiles.Count) file(s)"
    $summaryPath = Join-Path $TestResultsDir 'pester-summary.json'
    if (Test-Path $summaryPath) { Remove-Item $summaryPath -Force }
    $code = Invoke-ChildPwsh -ScriptPath (Join-Path $RepoRoot 'build/Invoke-PesterSuite.ps1') -PassThruExitCode -ArgumentList @(
        '-PesterManifest', $pester,
        '-Path', (Join-Path $RepoRoot 'tests/pester'),
        '-ResultPath', (Join-Path $TestResultsDir 'pester.xml'),
        '-SummaryPath', $summaryPath) -Environment @{
        ORCHESTRATOR_OPS_MODULE        = $ModuleManifest
        ORCHESTRATOR_OPS_CONFIGURATION = $Configuration
    }
    if (Test-Path $summaryPath) {
        $counts = Get-Content $summaryPath -Raw | ConvertFrom-Json
        $failed = [int] $counts.Failed
        $names = @($counts.FailedNames)
        if ($code -ne 0 -and $failed -eq 0) { $failed = 1; $names = @("Pester exited with code $code") }
        return , [pscustomobject]@{ Suite = 'pester'; Passed = [int] $counts.Passed; Failed = $failed; Skipped = [int] $counts.Skipped; FailedNames = $names }
    }
    Write-Warning "Pester produced no summary (exit code $code); counted as one failure."
    return , [pscustomobject]@{ Suite = 'pester'; Passed = 0; Failed = 1; Skipped = 0; FailedNames = @("no Pester summary (exit code $code)") }
}

function Invoke-Test {
    Invoke-Build
    $null = New-Item -ItemType Directory -Path $TestResultsDir -Force
    $summaries = @(Invoke-XunitSuites) + @(Invoke-PesterSuites)

    Write-Step 'Summary'
    $failures = @($summaries | ForEach-Object { $suite = $_.Suite; @($_.FailedNames) | Where-Object { $_ } | ForEach-Object { "$suite | $_" } })
    if ($failures.Count -gt 0) {
        Write-Host '    Failed:' -ForegroundColor Red
        foreach ($f in $failures) {
            # One line each, cut to a readable width: the full message is in the suite's output and in out/test-results.
            $text = if ($f.Length -gt 300) { $f.Substring(0, 300) + '...' } else { $f }
            Write-Host "      $text" -ForegroundColor Red
        }
    }
    foreach ($s in $summaries) {
        Write-Host ('    {0,-45} {1,4} passed, {2,4} failed, {3,4} skipped' -f $s.Suite, $s.Passed, $s.Failed, $s.Skipped)
    }
    $passed = ($summaries | Measure-Object Passed -Sum).Sum ?? 0
    $failed = ($summaries | Measure-Object Failed -Sum).Sum ?? 0
    $skipped = ($summaries | Measure-Object Skipped -Sum).Sum ?? 0
    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    if ($passed + $failed -eq 0) {
        Write-Host 'No tests ran.' -ForegroundColor Red
    }
    Write-Host $line
    if ($failed -gt 0 -or $passed + $failed -eq 0) { exit 1 }
}

function Invoke-Start {
    Invoke-Build
    Write-Step 'Start the sandbox fleet and the monitoring service (Ctrl+C stops them)'
    Invoke-ChildPwsh -ScriptPath (Join-Path $RepoRoot 'build/Start.ps1') -ArgumentList @(
        '-ModuleManifest', $ModuleManifest,
        '-Root', (Join-Path $OutDir 'sandbox-root'))
}

function Invoke-Bench {
    Invoke-Build
    $benchDir = Join-Path $RepoRoot 'bench'
    $scripts = @(Get-ChildItem $benchDir -Filter '*.Bench.ps1' -File -ErrorAction SilentlyContinue | Sort-Object Name)
    if ($scripts.Count -eq 0) {
        Write-Host 'No bench/*.Bench.ps1 scripts found.'
        return
    }
    $resultsDir = Join-Path $benchDir 'results'
    $null = New-Item -ItemType Directory -Path $resultsDir -Force
    $stamp = (Get-Date).ToUniversalTime().ToString('yyyyMMdd-HHmmss')
    $failures = 0
    foreach ($script in $scripts) {
        $name = $script.Name -replace '\.Bench\.ps1$', ''
        Write-Step "Bench: $name"
        $resultFile = Join-Path $resultsDir "$name-$stamp.txt"
        $pwsh = Get-PwshInvocation
        $env:ORCHESTRATOR_OPS_MODULE = $ModuleManifest
        try {
            $arguments = @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $script.FullName)
            & $pwsh.FilePath @arguments 2>&1 | ForEach-Object { "$_" } | Tee-Object -FilePath $resultFile | Out-Host
            $code = $LASTEXITCODE
        }
        finally {
            Remove-Item Env:ORCHESTRATOR_OPS_MODULE -ErrorAction SilentlyContinue
        }
        Write-Host "    saved: $resultFile"
        if ($code -ne 0) {
            Write-Warning "$name exited with code $code."
            $failures++
        }
    }
    if ($failures -gt 0) { throw "$failures benchmark script(s) failed." }
}

function Invoke-Package {
    Invoke-Build
    Write-Step "Package $ModuleName"
    Invoke-ChildPwsh -ScriptPath (Join-Path $RepoRoot 'build/New-ModulePackage.ps1') -ArgumentList @(
        '-ModuleDirectory', $ModuleDir,
        '-OutputDirectory', $PackageDir)
}

if (-not $Tasks.Contains($Task)) {
    $list = ($Tasks.GetEnumerator() | ForEach-Object { '  {0,-6} {1}' -f $_.Key, $_.Value }) -join [Environment]::NewLine
    [Console]::Error.WriteLine("Unknown task '$Task'. Tasks:$([Environment]::NewLine)$list")
    exit 2
}

Push-Location $RepoRoot
try {
    # Before building: a missing program stops the task now, not nine tests deep.
    Import-Module (Join-Path $RepoRoot 'build/Prerequisites.psm1') -Force
    try {
        Assert-Prerequisite -Task $Task -NoInstall:$NoInstall
    }
    catch {
        [Console]::Error.WriteLine($_.Exception.Message)
        exit 2
    }

    switch ($Task) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Start' { Invoke-Start }
        'Bench' { Invoke-Bench }
        'Package' { Invoke-Package }
    }
}
finally {
    Pop-Location
}
