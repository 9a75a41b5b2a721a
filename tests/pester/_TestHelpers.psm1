#Requires -Version 7.4
# Shared helpers for tests/pester/*.Tests.ps1. Not a test file itself (no .Tests.ps1 suffix).

Set-StrictMode -Version 3.0

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Get-OpsRepositoryRoot { $script:RepoRoot }

function Get-OpsModuleManifest {
    <# The built module under test: $env:ORCHESTRATOR_OPS_MODULE, set by `build.ps1 Test`. #>
    $path = $env:ORCHESTRATOR_OPS_MODULE
    if (-not $path) {
        throw 'ORCHESTRATOR_OPS_MODULE is not set. Run the tests with `dotnet pwsh ./build.ps1 Test`, or set it to the full path of out/Orchestrator.Ops/Orchestrator.Ops.psd1.'
    }
    if (-not (Test-Path -LiteralPath $path)) {
        throw "ORCHESTRATOR_OPS_MODULE points to '$path', which does not exist. Run `dotnet pwsh ./build.ps1 Build` first."
    }
    return (Resolve-Path -LiteralPath $path).Path
}

function Get-OpsModuleDirectory { Split-Path (Get-OpsModuleManifest) -Parent }

function Get-OpsLoadContext {
    <# The module's private AssemblyLoadContext(s) in this process; exactly one once the module is in use. #>
    @([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'Orchestrator.Ops')
}

function Get-CommonParameterName {
    <# Parameters PowerShell adds to every cmdlet (incl. -WhatIf/-Confirm); help need not describe them. #>
    @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters)
}

function Get-FixtureAssemblyPath {
    <#
        A dll from tests/fixtures/ConflictingDeps/bin (built by `build.ps1 Test` before Pester runs),
        preferring the configuration under test.
    #>
    param([Parameter(Mandatory)] [string] $Name)
    $bin = Join-Path $script:RepoRoot 'tests/fixtures/ConflictingDeps/bin'
    $candidates = @(Get-ChildItem $bin -Recurse -Filter "$Name.dll" -File -ErrorAction SilentlyContinue |
        Where-Object { $_.Directory.Name -eq 'net8.0' } |
        Sort-Object @{ Expression = { $_.FullName -like "*$([IO.Path]::DirectorySeparatorChar)$($env:ORCHESTRATOR_OPS_CONFIGURATION)$([IO.Path]::DirectorySeparatorChar)*" }; Descending = $true }, LastWriteTimeUtc -Descending)
    if ($candidates.Count -eq 0) {
        throw "Fixture assembly $Name.dll not found under $bin; build it with: dotnet build tests/fixtures/ConflictingDeps"
    }
    return $candidates[0].FullName
}

function New-OpsTestDirectory {
    <# A fresh, empty directory under the temp folder, e.g. for a sandbox -Root. #>
    param([string] $Prefix = 'ops-test')
    $path = Join-Path ([IO.Path]::GetTempPath()) "$Prefix-$([Guid]::NewGuid().ToString('N').Substring(0, 12))"
    $null = New-Item -ItemType Directory -Path $path
    return $path
}

function Get-PwshInvocation {
    <#
        How to start a child pwsh that is this same PowerShell: as a dotnet tool pwsh runs as
        `dotnet <PSHOME>/pwsh.dll`; installed normally it is <PSHOME>/pwsh.
    #>
    $processPath = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($processPath) -eq 'dotnet') {
        return [pscustomobject]@{ FilePath = $processPath; Prefix = @((Join-Path $PSHOME 'pwsh.dll')) }
    }
    return [pscustomobject]@{ FilePath = $processPath; Prefix = @() }
}

function ConvertFrom-ResultLine([string] $Output) {
    <# The last line "RESULT <json>" of a child's output, parsed; $null when there is none. #>
    $json = ($Output -split "`n" | Where-Object { $_ -match '^\s*RESULT ' } | Select-Object -Last 1) -replace '^\s*RESULT ', ''
    if ($json) { $json | ConvertFrom-Json } else { $null }
}

function Invoke-ChildPwsh {
    <#
        Runs a script file in a fresh `pwsh -NoProfile -NonInteractive` and returns
        { ExitCode, Output, Error, TimedOut, Elapsed }. The child is killed after -TimeoutSeconds so a hung
        child fails the test instead of hanging the run. -RemoveEnvironment takes variables out of the
        child's environment (HOME, TERM: as cron or systemd start it); -CloseStandardInput gives it a
        standard input that is already at its end, so anything that reads it gets nothing instead of waiting.
        -DotnetHost runs this PowerShell's pwsh.dll on another dotnet host (a .NET installation under test).
        Result is the JSON of the last line "RESULT <json>" the child printed, parsed, or $null.
    #>
    param(
        [Parameter(Mandatory)] [string] $ScriptPath,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{},
        [int] $TimeoutSeconds = 180,
        [string[]] $RemoveEnvironment = @(),
        [switch] $CloseStandardInput,
        [string] $WorkingDirectory = $script:RepoRoot,
        [string] $DotnetHost
    )
    $pwsh = if ($DotnetHost) { [pscustomobject]@{ FilePath = $DotnetHost; Prefix = @((Join-Path $PSHOME 'pwsh.dll')) } } else { Get-PwshInvocation }
    $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh.FilePath)
    foreach ($a in @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $ScriptPath) + $ArgumentList) {
        $info.ArgumentList.Add($a)
    }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = [bool] $CloseStandardInput
    $info.UseShellExecute = $false
    $info.WorkingDirectory = $WorkingDirectory
    foreach ($key in $Environment.Keys) { $info.Environment[$key] = [string] $Environment[$key] }
    foreach ($key in $RemoveEnvironment) { $null = $info.Environment.Remove($key) }
    $info.Environment['NO_COLOR'] = '1'

    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $process = [System.Diagnostics.Process]::Start($info)
    try {
        if ($CloseStandardInput) { $process.StandardInput.Close() }
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $exited = $process.WaitForExit($TimeoutSeconds * 1000)
        if (-not $exited) {
            $process.Kill($true)
            $process.WaitForExit()
        }
        $output = $stdout.GetAwaiter().GetResult()
        [pscustomobject]@{
            ExitCode = if ($exited) { $process.ExitCode } else { -1 }
            Output   = $output
            Error    = $stderr.GetAwaiter().GetResult()
            TimedOut = -not $exited
            Elapsed  = $clock.Elapsed
            Result   = ConvertFrom-ResultLine $output
        }
    }
    finally {
        $process.Dispose()
    }
}

function Invoke-ChildPwshInTerminal {
    <#
        Runs a script file in a fresh `pwsh -NoProfile` (with -NonInteractive when asked) whose standard input and
        output are a real terminal: util-linux's `script` gives it a pseudo-terminal, so to the child nothing is
        redirected and its host is ConsoleHost, as for a person at a console. Nothing is typed into it. Reads what the
        child writes until -Until appears (then stops it), it exits, or -TimeoutSeconds pass (then kills it).
        Returns { Output, Exited, TimedOut }; -Until found means neither.
    #>
    param(
        [Parameter(Mandatory)] [string] $ScriptPath,
        [string[]] $ArgumentList = @(),
        [switch] $NonInteractive,
        [string] $Until,
        [hashtable] $Environment = @{},
        [int] $TimeoutSeconds = 120
    )
    $pwsh = Get-PwshInvocation
    $words = @($pwsh.FilePath) + @($pwsh.Prefix) + @('-NoProfile') + @(if ($NonInteractive) { '-NonInteractive' }) + @('-File', $ScriptPath) + $ArgumentList
    # `script -c` hands the line to a shell: quote every word for it.
    $line = ($words | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
    $info = [System.Diagnostics.ProcessStartInfo]::new('script')
    foreach ($a in @('-q', '-f', '-e', '-c', $line, '/dev/null')) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    $info.WorkingDirectory = $script:RepoRoot
    foreach ($key in $Environment.Keys) { $info.Environment[$key] = [string] $Environment[$key] }
    $info.Environment['NO_COLOR'] = '1'
    $info.Environment['TERM'] = 'dumb'

    $process = [System.Diagnostics.Process]::Start($info)
    try {
        $text = [System.Text.StringBuilder]::new()
        $buffer = [char[]]::new(4096)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        $found = $false
        $ended = $false
        $pending = $process.StandardOutput.ReadAsync($buffer, 0, $buffer.Length)
        while ($true) {
            $left = $deadline - [DateTime]::UtcNow
            if ($left -le [TimeSpan]::Zero -or -not $pending.Wait($left)) { break }
            $count = $pending.Result
            if ($count -eq 0) { $ended = $true; break }
            $null = $text.Append($buffer, 0, $count)
            if ($Until -and $text.ToString().Contains($Until)) { $found = $true; break }
            $pending = $process.StandardOutput.ReadAsync($buffer, 0, $buffer.Length)
        }
        # Its output ended: the child is gone and `script` follows within moments.
        $exited = $process.WaitForExit($(if ($ended) { 10000 } else { 0 }))
        if (-not $exited) {
            $process.Kill($true)
            $process.WaitForExit()
        }
        [pscustomobject]@{
            Output   = $text.ToString()
            Exited   = $exited
            TimedOut = -not $exited -and -not $found
        }
    }
    finally {
        $process.Dispose()
    }
}

function Start-ChildPwsh {
    <#
        Starts a script file in a fresh `pwsh -NoProfile -NonInteractive` without waiting, output redirected to
        files beside it; returns the Process. The caller stops it (Stop-ChildPwsh) — e.g. with SIGKILL mid-operation.
    #>
    param(
        [Parameter(Mandatory)] [string] $ScriptPath,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{}
    )
    $pwsh = Get-PwshInvocation
    $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh.FilePath)
    $out = "$ScriptPath.$([Guid]::NewGuid().ToString('N').Substring(0, 6)).log"
    foreach ($a in @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', "& '$ScriptPath' $($ArgumentList -join ' ') *> '$out'")) {
        $info.ArgumentList.Add($a)
    }
    $info.UseShellExecute = $false
    $info.WorkingDirectory = $script:RepoRoot
    foreach ($key in $Environment.Keys) { $info.Environment[$key] = [string] $Environment[$key] }
    $info.Environment['NO_COLOR'] = '1'
    $process = [System.Diagnostics.Process]::Start($info)
    $process | Add-Member -NotePropertyName LogPath -NotePropertyValue $out
    return $process
}

function Wait-ForFile {
    <# Waits until a file exists; throws (with the child's log, if given) after -TimeoutSeconds or when the process ended first. #>
    param(
        [Parameter(Mandatory)] [string] $Path,
        [System.Diagnostics.Process] $Process,
        [int] $TimeoutSeconds = 90
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (Test-Path -LiteralPath $Path)) {
        $log = if ($Process -and (Test-Path -LiteralPath $Process.LogPath)) { Get-Content -Raw -LiteralPath $Process.LogPath } else { '' }
        if ($Process -and $Process.HasExited) { throw "The child process ended (exit code $($Process.ExitCode)) before '$Path' appeared. Its output: $log" }
        if ([DateTime]::UtcNow -gt $deadline) { throw "'$Path' did not appear within $TimeoutSeconds s. Child output: $log" }
        Start-Sleep -Milliseconds 50
    }
}

Export-ModuleMember -Function Start-ChildPwsh, Invoke-ChildPwshInTerminal, Wait-ForFile, Get-OpsRepositoryRoot, Get-OpsModuleManifest, Get-OpsModuleDirectory, Get-OpsLoadContext,
    Get-CommonParameterName, Get-FixtureAssemblyPath, New-OpsTestDirectory, Get-PwshInvocation, Invoke-ChildPwsh, ConvertFrom-ResultLine
