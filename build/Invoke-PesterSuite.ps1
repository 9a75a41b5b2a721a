#Requires -Version 7.4

<#
.SYNOPSIS
    Runs the Pester suite; called by `build.ps1 Test` in a child pwsh so the module under test
    loads into a clean process.

.DESCRIPTION
    Expects $env:ORCHESTRATOR_OPS_MODULE to hold the full path of the built module manifest.
    Writes NUnit XML to -ResultPath and {Passed, Failed, Skipped, FailedNames} as JSON to -SummaryPath,
    FailedNames holding each failed test, block or container with the first line of its error.
    Failed counts include failed blocks and containers (e.g. a BeforeAll that threw, a file that
    does not parse), which Pester does not count as failed tests. Exit code 1 when anything failed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $ResultPath,
    [Parameter(Mandatory)] [string] $SummaryPath
)

$ErrorActionPreference = 'Stop'

if (-not $env:ORCHESTRATOR_OPS_MODULE -or -not (Test-Path $env:ORCHESTRATOR_OPS_MODULE)) {
    throw "ORCHESTRATOR_OPS_MODULE must name the built module manifest (got '$env:ORCHESTRATOR_OPS_MODULE')."
}

Import-Module $PesterManifest -Force

$configuration = New-PesterConfiguration
$configuration.Run.Path = @(Get-ChildItem $Path -Filter '*.Tests.ps1' -File | Sort-Object Name | ForEach-Object FullName)
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = $ResultPath

$result = Invoke-Pester -Configuration $configuration

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
function Get-FirstErrorLine($Item) {
    $first = @($Item.ErrorRecord) | Select-Object -First 1
    if ($null -eq $first) { return '' }
    return (("$first" -split "`n")[0]).Trim()
}
$failedNames = @(
    $result.Failed | ForEach-Object { "$($_.ExpandedPath): $(Get-FirstErrorLine $_)" }
    $result.FailedBlocks | ForEach-Object { "block $($_.ExpandedPath): $(Get-FirstErrorLine $_)" }
    $result.FailedContainers | ForEach-Object { "file $($_.Item): $(Get-FirstErrorLine $_)" }
)
$summary = [ordered]@{
    Passed      = $result.PassedCount
    Failed      = $failed
    Skipped     = $result.SkippedCount
    FailedNames = $failedNames
}
$summary | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath -Encoding utf8NoBOM
Write-Host ('Pester: {0} passed, {1} failed ({2} failed tests, {3} failed blocks, {4} failed containers), {5} skipped' -f
    $summary.Passed, $failed, $result.FailedCount, $result.FailedBlocksCount, $result.FailedContainersCount, $summary.Skipped)
exit $(if ($failed -gt 0) { 1 } else { 0 })
