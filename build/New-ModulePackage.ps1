#Requires -Version 7.4

<#
.SYNOPSIS
    Packs a laid-out module folder into the two forms users install: a .nupkg and an Azure Automation .zip.

.DESCRIPTION
    Called by `build.ps1 Package` (in a child pwsh, so this process never loads the module), and by the
    package tests to make a newer version of the same build.

    - <Name>.<Version>.nupkg, made with PSResourceGet's Compress-PSResource: what the PowerShell Gallery
      and private feeds take, and what Install-PSResource installs from a folder registered with
      Register-PSResourceRepository.
    - <Name>.zip with the module folder at its root, as Azure Automation imports a custom module
      (refused when over its 100 MB limit).

    -Version packs a copy whose manifest says that version instead (the assemblies keep theirs): the
    tests use it to publish an update of the same build.

    Writes one object per file: Path, Kind, Bytes.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleDirectory,
    [Parameter(Mandatory)] [string] $OutputDirectory,
    [string] $Version
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$AzureAutomationLimit = 100MB

$ModuleDirectory = (Resolve-Path -LiteralPath $ModuleDirectory).ProviderPath
$name = Split-Path $ModuleDirectory -Leaf
$manifest = Join-Path $ModuleDirectory "$name.psd1"
if (-not (Test-Path -LiteralPath $manifest)) { throw "No module manifest ${manifest}: build the module first (build.ps1 Build)." }
$null = New-Item -ItemType Directory -Path $OutputDirectory -Force
$OutputDirectory = (Resolve-Path -LiteralPath $OutputDirectory).ProviderPath

$scratch = $null
try {
    if ($Version) {
        # A copy named like the module (PSResourceGet and Azure Automation both take the name from the folder).
        $scratch = Join-Path ([IO.Path]::GetTempPath()) ("ops-package-" + [guid]::NewGuid().ToString('N').Substring(0, 12))
        $copy = Join-Path $scratch $name
        $null = New-Item -ItemType Directory -Path $scratch
        Copy-Item -LiteralPath $ModuleDirectory -Destination $copy -Recurse
        $copyManifest = Join-Path $copy "$name.psd1"
        $text = Get-Content -LiteralPath $copyManifest -Raw
        $stamped = [regex]::Replace($text, "ModuleVersion(\s*)=(\s*)'[^']*'", "ModuleVersion`$1=`$2'$Version'")
        if ($stamped -eq $text -and $text -notmatch "ModuleVersion\s*=\s*'$([regex]::Escape($Version))'") { throw "Could not set ModuleVersion in $copyManifest." }
        Set-Content -LiteralPath $copyManifest -Value $stamped -Encoding utf8NoBOM -NoNewline
        $ModuleDirectory = $copy
        $manifest = $copyManifest
    }

    $data = Import-PowerShellDataFile -LiteralPath $manifest
    $moduleVersion = $data.ModuleVersion
    $prerelease = $data.PrivateData.PSData['Prerelease']
    $fullVersion = if ($prerelease) { "$moduleVersion-$prerelease" } else { $moduleVersion }

    $nupkg = Join-Path $OutputDirectory "$name.$fullVersion.nupkg"
    if (Test-Path -LiteralPath $nupkg) { Remove-Item -LiteralPath $nupkg -Force }
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    Compress-PSResource -Path $ModuleDirectory -DestinationPath $OutputDirectory
    if (-not (Test-Path -LiteralPath $nupkg)) {
        throw "Compress-PSResource wrote no $nupkg (found: $((Get-ChildItem $OutputDirectory -Filter '*.nupkg').Name -join ', '))."
    }

    $zip = Join-Path $OutputDirectory "$name.zip"
    if (Test-Path -LiteralPath $zip) { Remove-Item -LiteralPath $zip -Force }
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    [IO.Compression.ZipFile]::CreateFromDirectory($ModuleDirectory, $zip, [IO.Compression.CompressionLevel]::Optimal, $true)
    $zipBytes = (Get-Item -LiteralPath $zip).Length
    if ($zipBytes -gt $AzureAutomationLimit) {
        Remove-Item -LiteralPath $zip -Force
        throw "$zip is $([math]::Round($zipBytes / 1MB, 1)) MB, over Azure Automation's 100 MB limit for a module."
    }

    foreach ($file in @(@{ Path = $nupkg; Kind = 'nupkg' }, @{ Path = $zip; Kind = 'zip' })) {
        $bytes = (Get-Item -LiteralPath $file.Path).Length
        [pscustomobject]@{ Path = $file.Path; Kind = $file.Kind; Version = $fullVersion; Bytes = $bytes }
    }
}
finally {
    if ($scratch -and (Test-Path -LiteralPath $scratch)) { Remove-Item -LiteralPath $scratch -Recurse -Force }
}
