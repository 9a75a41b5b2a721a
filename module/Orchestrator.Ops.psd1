@{
    RootModule           = 'Orchestrator.Ops.PowerShell.dll'
    # The project's one version number: every assembly (Directory.Build.props) and the package read it from here.
    # CHANGELOG.md's newest released section must carry the same number (build.ps1 checks, and makes it ReleaseNotes).
    ModuleVersion        = '0.1.0'
    GUID                 = 'bc448b50-30e7-4262-83a5-8cfc00c5b502'
    Author               = 'Orchestrator.Ops contributors'
    CompanyName          = 'Orchestrator.Ops'
    Copyright            = '(c) 2026 Orchestrator.Ops contributors. MIT License.'
    Description          = 'Operates a fleet of LLM-orchestration wrapper services (a RouteLLM router, a POML template service, external-tool adapters) deployed in blue and green slots, following the production runbook: health probes with timeout and retries, success/error/fallback rates, P50/P95/P99 and a health score, kept in a state store. Includes a sandbox HTTP fleet with fault injection for trying every command safely on loopback.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    # Loaded before RootModule: a tiny binary module that wires the module's AssemblyLoadContext
    # before PowerShell scans the cmdlet assembly (see src/Orchestrator.Ops.Loader/ for why).
    NestedModules        = @('Orchestrator.Ops.Loader.dll')
    FormatsToProcess     = @('Orchestrator.Ops.format.ps1xml')
    CmdletsToExport      = @(
        'Get-WrapperHealth'
        'Get-SystemHealth'
        'Get-WrapperMetric'
        'Test-OpsConfiguration'
        'Start-OpsSandbox'
        'Stop-OpsSandbox'
        'Start-OpsService'
        'Stop-OpsService'
        'Get-OpsService'
        'Get-OpsResourceUsage'
        'Get-HealthAlert'
        'Confirm-HealthAlert'
        'Get-DeploymentSlot'
        'Switch-DeploymentSlot'
        'Get-DeploymentHistory'
        'New-RollbackPoint'
        'Get-RollbackPoint'
        'Invoke-Rollback'
        'Invoke-Deployment'
        'New-Backup'
        'Get-Backup'
        'Test-Backup'
        'Restore-Backup'
        'Remove-Backup'
        'Invoke-DisasterRecoveryTest'
        'Get-ManagedSecret'
        'Update-Secret'
        'Search-OpsLog'
        'Measure-OpsLog'
        'Invoke-OpsRunbook'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            # Platforms: only the one the tests run on.
            Tags         = @('Operations', 'BlueGreen', 'Deployment', 'HealthCheck', 'Rollback', 'Backup', 'Secrets', 'Monitoring', 'LLM', 'RouteLLM', 'PSEdition_Core', 'Linux')
            LicenseUri   = 'https://github.com/orchestrator-ops/Orchestrator.Ops/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/orchestrator-ops/Orchestrator.Ops'
            # Filled in by build.ps1 from CHANGELOG.md's newest released section.
            ReleaseNotes = ''
        }
    }
}
