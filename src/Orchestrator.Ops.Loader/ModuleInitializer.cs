using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace Orchestrator.Ops.Loader;

/// <summary>
/// Wires the module's private <see cref="ModuleLoadContext"/> when PowerShell imports the module
/// and unwires it when the module is removed.
/// </summary>
/// <remarks>
/// This assembly is the manifest's nested module, <c>Orchestrator.Ops.Loader.dll</c>, which
/// PowerShell imports (and whose <see cref="OnImport"/> it calls) before it touches the root
/// module. That order is the point of a separate assembly: importing the cmdlet assembly
/// enumerates its types, and laying out a cmdlet type with an engine value type in a field (an
/// enum-typed parameter) already needs Orchestrator.Ops.Core — before PowerShell would call any
/// initializer in the cmdlet assembly. A binary nested module does this without the cost of the
/// script-module machinery a <c>.psm1</c> would pull in. This assembly references nothing of
/// ours, so loading it never needs <c>deps/</c>.
/// <para>
/// PowerShell loads the cmdlet assembly into the default context. Its reference to
/// Orchestrator.Ops.Core cannot be satisfied there (the engine lives in <c>deps/</c>, which
/// PowerShell does not probe), so the default context raises <see cref="AssemblyLoadContext.Resolving"/>;
/// we answer with the engine loaded through our context, and from then on the engine's own
/// references (Polly, Serilog, SQLite) resolve inside our context, never the default one.
/// When no <c>deps/</c> folder sits next to this assembly — in-process tests where everything
/// sits in one bin folder — nothing is hooked and normal probing applies.
/// </para>
/// <para>
/// The loader no longer lives in the cmdlet assembly, so it cannot ask that assembly what it
/// references. Instead it answers only for assemblies named <c>Orchestrator.Ops.*</c> that exist
/// in <c>deps/</c> (the engine), never for third-party names: another module that fails to find,
/// say, Serilog in the default context must not be handed our private copy — that would be the
/// very leak this context exists to prevent.
/// </para>
/// </remarks>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    /// <summary>Name of the folder, next to the loader assembly, that holds the private dependencies.</summary>
    internal const string DepsFolderName = "deps";

    private static readonly object Gate = new();
    private static ModuleLoadContext? s_context;
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

            if (s_context is null)
            {
                var moduleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location);
                if (string.IsNullOrEmpty(moduleDirectory))
                {
                    return;
                }

                var deps = Path.Combine(moduleDirectory, DepsFolderName);
                if (!Directory.Exists(deps))
                {
                    return;
                }

                // One context per process: the loader assembly is loaded once per process (a second
                // import of the same path reuses it), and so is this static.
                s_context = new ModuleLoadContext(deps);
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
        lock (Gate)
        {
            context = s_context;
        }

        // Only the engine (Orchestrator.Ops.* in deps/), never a third-party name; see the remarks.
        if (context is null || !context.OwnsEngineAssembly(name))
        {
            return null;
        }

        return context.LoadFromAssemblyName(name);
    }
}
