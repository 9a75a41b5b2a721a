#Requires -Version 7.4

<#
.SYNOPSIS
    The installable package: its size, how long Install-PSResource takes from a local feed, and the cold
    `Import-Module Orchestrator.Ops` (by name, of the installed copy) against a bare `pwsh -NoProfile`,
    run interleaved in fresh processes, beside the same import by path and a one-function script module imported by
    name (the floor any module pays here). Goal: the import adds under 300 ms.
#>
param([int] $Iterations = 10, [int] $Installs = 3)

$ErrorActionPreference = 'Stop'
$manifest = $env:ORCHESTRATOR_OPS_MODULE
if (-not $manifest -or -not (Test-Path $manifest)) {
    throw 'ORCHESTRATOR_OPS_MODULE must name the built module manifest; run `dotnet pwsh ./build.ps1 Bench`.'
}
$moduleDir = Split-Path $manifest -Parent
$work = Join-Path ([IO.Path]::GetTempPath()) ("ops-package-bench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $work

$exe = [Environment]::ProcessPath
[string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @((Join-Path $PSHOME 'pwsh.dll')) } else { @() }

function Invoke-Fresh([string] $HomeDir, [string] $Command) {
    # A fresh pwsh whose HOME is $HomeDir (its user module path and PSResourceGet settings live there).
    $info = [Diagnostics.ProcessStartInfo]::new($exe)
    foreach ($a in @($prefix) + @('-NoProfile', '-NonInteractive', '-Command', $Command)) { $info.ArgumentList.Add($a) }
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $null = $info.Environment.Remove('PSModulePath')
    $info.Environment['HOME'] = $HomeDir
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $p = [Diagnostics.Process]::Start($info)
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    $p.WaitForExit()
    $ms = $sw.Elapsed.TotalMilliseconds
    if ($p.ExitCode -ne 0) { throw "pwsh -Command '$Command' failed ($($p.ExitCode)): $($out.Result) $($err.Result)" }
    $ms
}

function Median([double[]] $v) { $s = @($v | Sort-Object); $s[[int][math]::Floor(($s.Count - 1) / 2)] }

try {
    $feed = Join-Path $work 'feed'
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $packages = & (Join-Path $PSScriptRoot '../build/New-ModulePackage.ps1') -ModuleDirectory $moduleDir -OutputDirectory $feed
    $packMs = $sw.Elapsed.TotalMilliseconds
    $nupkg = $packages | Where-Object Kind -EQ 'nupkg'
    $zip = $packages | Where-Object Kind -EQ 'zip'
    $installedBytes = (Get-ChildItem $moduleDir -Recurse -File | Measure-Object Length -Sum).Sum

    $install = "Register-PSResourceRepository -Name OpsBench -Uri '$feed' -Trusted; Install-PSResource Orchestrator.Ops -Repository OpsBench -Scope CurrentUser -TrustRepository"
    $installMs = [Collections.Generic.List[double]]::new()
    $homeDir = $null
    foreach ($i in 1..$Installs) {
        $homeDir = Join-Path $work "home-$i"
        $null = New-Item -ItemType Directory -Path $homeDir
        $installMs.Add((Invoke-Fresh $homeDir $install))
    }

    # The last install is the one imported; the bare side runs with the same HOME. A floor beside it: a module of
    # one script function in the same user module path, imported by name the same way — what PowerShell's own
    # module discovery and import cost here, whatever the module.
    $userModules = Join-Path $homeDir '.local/share/powershell/Modules'
    $floorDir = Join-Path $userModules 'OpsBenchFloor/1.0.0'
    $null = New-Item -ItemType Directory -Path $floorDir -Force
    Set-Content -LiteralPath (Join-Path $floorDir 'OpsBenchFloor.psm1') -Value 'function Get-OpsBenchFloor { 1 }'
    Set-Content -LiteralPath (Join-Path $floorDir 'OpsBenchFloor.psd1') -Value "@{ ModuleVersion = '1.0.0'; RootModule = 'OpsBenchFloor.psm1'; FunctionsToExport = @('Get-OpsBenchFloor'); CmdletsToExport = @(); AliasesToExport = @(); VariablesToExport = @() }"
    $installedManifest = Join-Path $userModules "Orchestrator.Ops/$($nupkg.Version)/Orchestrator.Ops.psd1"
    if (-not (Test-Path -LiteralPath $installedManifest)) { throw "Install-PSResource did not put the module at $installedManifest." }
    $byPath = "Import-Module '$($installedManifest -replace "'", "''")'"

    $null = Invoke-Fresh $homeDir 'exit'   # warm the disk cache for every side alike
    $null = Invoke-Fresh $homeDir 'Import-Module Orchestrator.Ops'
    $null = Invoke-Fresh $homeDir 'Import-Module OpsBenchFloor'
    $bare = [Collections.Generic.List[double]]::new()
    $with = [Collections.Generic.List[double]]::new()
    $path = [Collections.Generic.List[double]]::new()
    $floor = [Collections.Generic.List[double]]::new()
    foreach ($i in 1..$Iterations) {
        $bare.Add((Invoke-Fresh $homeDir 'exit'))
        $with.Add((Invoke-Fresh $homeDir 'Import-Module Orchestrator.Ops'))
        $path.Add((Invoke-Fresh $homeDir $byPath))
        $floor.Add((Invoke-Fresh $homeDir 'Import-Module OpsBenchFloor'))
    }
    $bareMs = Median $bare
    $withMs = Median $with
    $pathMs = Median $path
    $floorMs = Median $floor
    $bareInstallMs = Median (@(1..3 | ForEach-Object { Invoke-Fresh $homeDir 'exit' }))

    [pscustomobject]@{
        Benchmark             = 'the installable package (Install-PSResource from a local feed; cold import by name)'
        NupkgMB               = [math]::Round($nupkg.Bytes / 1MB, 1)
        ZipMB                 = [math]::Round($zip.Bytes / 1MB, 1)
        InstalledMB           = [math]::Round($installedBytes / 1MB, 1)
        PackSeconds           = [math]::Round($packMs / 1000, 1)
        InstallMs             = "median $([math]::Round((Median $installMs), 0)) of $Installs (fresh HOME each), of which a bare pwsh start is $([math]::Round($bareInstallMs, 0))"
        Iterations            = $Iterations
        BarePwshMs            = [math]::Round($bareMs, 0)
        WithImportMs          = [math]::Round($withMs, 0)
        AddedByImportMs       = [math]::Round($withMs - $bareMs, 0)
        Ratio                 = [math]::Round($withMs / $bareMs, 2)
        AddedByPathImportMs   = [math]::Round($pathMs - $bareMs, 0)
        AddedByFloorModuleMs  = "$([math]::Round($floorMs - $bareMs, 0)) (a one-function script module, by name: PowerShell's own cost)"
        AddedOverFloorMs      = [math]::Round($withMs - $floorMs, 0)
        Goal                  = 'AddedByImportMs < 300; zip < 100 MB (Azure Automation)'
    } | Format-List | Out-String -Width 200
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
