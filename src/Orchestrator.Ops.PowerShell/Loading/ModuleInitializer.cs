using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace Orchestrator.Ops.PowerShell.Loading;

/// <summary>
/// Wires the module's private <see cref="ModuleLoadContext"/> when PowerShell imports the module
/// and unwires it when the module is removed.
/// </summary>
/// <remarks>
/// PowerShell loads this cmdlet assembly into the default context. Its reference to
/// Orchestrator.Ops.Core cannot be satisfied there (the engine lives in <c>deps/</c>, which
/// PowerShell does not probe), so the default context raises <see cref="AssemblyLoadContext.Resolving"/>;
/// we answer with the engine loaded through our context, and from then on the engine's own
/// references (Polly, Serilog, SQLite) resolve inside our context, never the default one.
/// When <c>deps/</c> is absent — in-process tests where everything sits in one bin folder —
/// nothing is hooked and normal probing applies.
/// <para>
/// PowerShell calls <see cref="OnImport"/> only after it has enumerated the assembly's types, and
/// laying out a cmdlet type with an engine value type in a field (an enum-typed parameter) already
/// needs the engine. So the manifest's nested module <c>Orchestrator.Ops.Loader.psm1</c>, which
/// PowerShell imports before the root module, runs <see cref="OnImport"/> first; registration is
/// idempotent, so PowerShell's own call afterwards is harmless.
/// </para>
/// </remarks>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    /// <summary>Name of the folder, next to the cmdlet assembly, that holds the private dependencies.</summary>
    internal const string DepsFolderName = "deps";

    private static readonly object Gate = new();
    private static ModuleLoadContext? s_context;
    private static HashSet<string>? s_directReferences;
    private static bool s_hooked;

    /// <summary>The module's context, or null when the module runs without a deps folder.</summary>
    internal static ModuleLoadContext? Context
    {
        get
        {
            lock (Gate)
            {
                return s_context;
            }
        }
    }

    /// <summary>Called by PowerShell when the module is imported (also on Import-Module -Force).</summary>
    public void OnImport() => Register();

    /// <summary>Called by PowerShell when the module is removed.</summary>
    /// <param name="psModuleInfo">The module being removed.</param>
    public void OnRemove(PSModuleInfo psModuleInfo) => Unregister();

    internal static void Register()
    {
        lock (Gate)
        {
            if (s_hooked)
            {
                return;
            }

            var self = typeof(ModuleInitializer).Assembly;
            if (s_context is null)
            {
                var moduleDirectory = Path.GetDirectoryName(self.Location);
                if (string.IsNullOrEmpty(moduleDirectory))
                {
                    return;
                }

                var deps = Path.Combine(moduleDirectory, DepsFolderName);
                if (!Directory.Exists(deps))
                {
                    return;
                }

                // One context per process: the cmdlet assembly is loaded once per process (a second
                // import of the same path reuses it), and so is this static.
                s_context = new ModuleLoadContext(deps);
                s_directReferences = self.GetReferencedAssemblies()
                    .Select(reference => reference.Name)
                    .OfType<string>()
                    .ToHashSet(StringComparer.OrdinalIgnoreCase);
            }

            AssemblyLoadContext.Default.Resolving += ResolveFromDefault;
            s_hooked = true;
        }
    }

    internal static void Unregister()
    {
        lock (Gate)
        {
            if (!s_hooked)
            {
                return;
            }

            AssemblyLoadContext.Default.Resolving -= ResolveFromDefault;
            s_hooked = false;
        }
    }

    private static Assembly? ResolveFromDefault(AssemblyLoadContext defaultContext, AssemblyName name)
    {
        ModuleLoadContext? context;
        HashSet<string>? directReferences;
        lock (Gate)
        {
            context = s_context;
            directReferences = s_directReferences;
        }

        // Answer only for what the cmdlet assembly itself references (in practice the engine).
        // Another module that fails to find, say, Serilog in the default context must not be
        // handed our private copy — that would be the very leak this context exists to prevent.
        if (context is null
            || directReferences is null
            || name.Name is null
            || !directReferences.Contains(name.Name)
            || !context.Owns(name))
        {
            return null;
        }

        return context.LoadFromAssemblyName(name);
    }
}
