# Wires the module's private AssemblyLoadContext BEFORE PowerShell scans the cmdlet assembly.
#
# The manifest lists this file under NestedModules, which PowerShell imports before the
# RootModule. That order matters: importing the root module enumerates the cmdlet assembly's
# types, and laying out a cmdlet type whose fields are value types from the engine (an enum-typed
# parameter, say) already needs Orchestrator.Ops.Core — before PowerShell would call the
# assembly's IModuleAssemblyInitializer. So the same initializer is run here first; it is
# idempotent, and the root module's OnImport/OnRemove keep working as usual.
# See src/Orchestrator.Ops.PowerShell/Loading/.

$assembly = [System.Reflection.Assembly]::LoadFrom((Join-Path $PSScriptRoot 'Orchestrator.Ops.PowerShell.dll'))
$initializer = [Activator]::CreateInstance($assembly.GetType('Orchestrator.Ops.PowerShell.Loading.ModuleInitializer', $true))
$initializer.OnImport()

Export-ModuleMember
