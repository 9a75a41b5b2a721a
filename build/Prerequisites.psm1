#Requires -Version 7.4
<#
    The programs outside the .NET SDK that build.ps1's tasks and their tests run, from
    Prerequisites.psd1: which are missing, and what to do about it. On a Debian-like system run as
    root the missing ones are installed with apt-get (non-interactive, one 'apt-get update' first);
    anywhere else the task stops before building with one message naming them all and the command
    that installs them. A run must never fail nine tests deep for want of a program.
#>

Set-StrictMode -Version 3.0

$DefaultListPath = Join-Path $PSScriptRoot 'Prerequisites.psd1'

function Get-Prerequisite {
    <# The programs the task needs, each with whether it is on PATH now. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Task,
        [string] $ListPath = $DefaultListPath
    )
    $list = Import-PowerShellDataFile -LiteralPath $ListPath
    foreach ($program in $list.Programs) {
        if ($Task -notin $program.Tasks) { continue }
        $found = Get-Command $program.Command -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        [pscustomobject]@{
            Command = $program.Command
            Package = $program.Package
            Why     = $program.Why
            Path    = if ($found) { $found.Source } else { $null }
        }
    }
}

function Get-AptInstallAbility {
    <#
        Whether this process may install Debian packages itself (root, on a Debian-like system, with apt-get), and
        when not, why not, as the missing-program message says it. The parameters default to this machine; tests
        give their own.
    #>
    param(
        [bool] $Linux = $IsLinux,
        [bool] $DebianLike = (Test-Path -LiteralPath '/etc/debian_version'),
        [bool] $HasAptGet = [bool] (Get-Command apt-get -CommandType Application -ErrorAction SilentlyContinue),
        [string] $UserId = $(if (Get-Command id -CommandType Application -ErrorAction SilentlyContinue) { "$(& id -u 2>$null)".Trim() } else { '' })
    )
    $reason = if (-not $Linux -or -not $DebianLike) { 'this is not a Debian-like system, so they are not installed automatically' }
    elseif (-not $HasAptGet) { 'apt-get is not on PATH, so they are not installed automatically' }
    elseif ($UserId -ne '0') { 'they are installed automatically only when the task runs as root' }
    else { $null }
    [pscustomobject]@{ Able = $null -eq $reason; Reason = $reason }
}

function Test-CanInstallWithApt {
    <# True when this process may install Debian packages itself: root, apt-get on PATH, a Debian-like system. #>
    (Get-AptInstallAbility).Able
}

function Format-InstallCommand([string[]] $Packages, [bool] $AsRoot) {
    $prefix = if ($AsRoot) { '' } else { 'sudo ' }
    "${prefix}apt-get update && ${prefix}env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $($Packages -join ' ')"
}

function Invoke-AptInstall([string[]] $Packages) {
    <# apt-get as a scheduler would run it: no prompts, no recommended extras, one update first. #>
    $saved = $env:DEBIAN_FRONTEND
    $env:DEBIAN_FRONTEND = 'noninteractive'
    try {
        Write-Host "    apt-get update -qq" -ForegroundColor DarkGray
        & apt-get update -qq | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "apt-get update failed with exit code $LASTEXITCODE." }
        Write-Host "    apt-get install -y -qq --no-install-recommends $($Packages -join ' ')" -ForegroundColor DarkGray
        & apt-get install -y -qq --no-install-recommends @Packages | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "apt-get install $($Packages -join ' ') failed with exit code $LASTEXITCODE." }
    }
    finally {
        $env:DEBIAN_FRONTEND = $saved
    }
}

function Assert-Prerequisite {
    <#
        Makes sure every program the task needs is on PATH: installs what is missing when allowed
        and possible, else throws one message listing every missing program and how to install them.
        -Installer stands in for apt-get in tests; -CanInstall overrides the root/Debian check.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Task,
        [string] $ListPath = $DefaultListPath,
        [switch] $NoInstall,
        [Nullable[bool]] $CanInstall,
        [scriptblock] $Installer = { param([string[]] $Packages) Invoke-AptInstall $Packages }
    )
    $missing = @(Get-Prerequisite -Task $Task -ListPath $ListPath | Where-Object { -not $_.Path })
    if ($missing.Count -eq 0) { return }

    $packages = @($missing.Package | Sort-Object -Unique)
    $ability = Get-AptInstallAbility
    $able = if ($null -ne $CanInstall) { [bool] $CanInstall } else { $ability.Able }
    $lines = @($missing | ForEach-Object { "  $($_.Command) (Debian package '$($_.Package)'): $($_.Why)" })

    if ($able -and -not $NoInstall) {
        Write-Host "==> Install what the $Task task needs: $($packages -join ', ')" -ForegroundColor Cyan
        $lines | ForEach-Object { Write-Host "  $_" }
        & $Installer $packages
        $still = @(Get-Prerequisite -Task $Task -ListPath $ListPath | Where-Object { -not $_.Path })
        if ($still.Count -eq 0) { return }
        throw "The $Task task needs programs that are still not on PATH after installing $($packages -join ', '): $($still.Command -join ', ')."
    }

    $reason = if ($NoInstall) { 'installing was turned off (-NoInstall)' }
    elseif ($ability.Reason) { $ability.Reason }
    else { 'installing them was not allowed here' }
    $command = Format-InstallCommand $packages -AsRoot:$false
    $message = @(
        "The $Task task needs programs that are not on PATH ($reason):"
        $lines
        "Install them, then run the task again:"
        "  $command"
        "(on other systems, install the same programs with your package manager)"
    ) -join [Environment]::NewLine
    throw $message
}

Export-ModuleMember -Function Get-Prerequisite, Assert-Prerequisite, Test-CanInstallWithApt, Get-AptInstallAbility
