using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Orchestrator.Ops.Loader;

/// <summary>
/// The module's private load context. Everything under <c>&lt;module&gt;/deps/</c> (the engine,
/// Polly, Serilog, Microsoft.Data.Sqlite, SQLitePCLRaw and the native e_sqlite3) is loaded here,
/// so another module's copies of those libraries in the default context never meet ours.
/// </summary>
/// <remarks>
/// Non-collectible: the cmdlet assembly in the default context holds references to the engine
/// for the life of the process, and SQLite's native library cannot be unloaded anyway.
/// Created by <see cref="ModuleInitializer"/> in the loader assembly, once per process.
/// </remarks>
internal sealed class ModuleLoadContext : AssemblyLoadContext
{
    /// <summary>The name this context carries in <see cref="AssemblyLoadContext.All"/>.</summary>
    internal const string ContextName = "Orchestrator.Ops";

    private readonly string _depsDirectory;
    private readonly IReadOnlyList<string> _nativeDirectories;

    internal ModuleLoadContext(string depsDirectory)
        : base(ContextName, isCollectible: false)
    {
        _depsDirectory = depsDirectory;
        _nativeDirectories = RuntimeIdentifiers.Probe()
            .Select(rid => Path.Combine(depsDirectory, "runtimes", rid, "native"))
            .Where(Directory.Exists)
            .ToArray();
    }

    internal string DepsDirectory => _depsDirectory;

    /// <summary>Prefix of the names of our own assemblies (the engine), as opposed to third-party ones.</summary>
    internal const string OwnAssemblyPrefix = "Orchestrator.Ops.";

    /// <summary>True when <paramref name="name"/> is one of ours, i.e. <c>deps/&lt;name&gt;.dll</c> exists.</summary>
    internal bool Owns(AssemblyName name) => AssemblyPath(name) is not null;

    /// <summary>
    /// True when <paramref name="name"/> is our own code shipped in <c>deps/</c> (the engine):
    /// named <c>Orchestrator.Ops.*</c> and present there. Third-party libraries in <c>deps/</c>
    /// (Serilog, Polly, SQLite) are never claimed, so the default context cannot hand them out.
    /// </summary>
    internal bool OwnsEngineAssembly(AssemblyName name) =>
        name.Name is { } simpleName
        && simpleName.StartsWith(OwnAssemblyPrefix, StringComparison.OrdinalIgnoreCase)
        && Owns(name);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Anything we do not ship (System.*, netstandard, ...) comes from the runtime via the default context.
        var path = AssemblyPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        // Called for DllImport / NativeLibrary requests made by assemblies in this context
        // (SQLitePCLRaw's provider asks for "e_sqlite3"). pwsh has no deps.json entry for it, so
        // without this the runtime would search only the process's own probing paths and fail.
        var path = NativeLibraryPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }

    /// <summary>
    /// The file under <c>deps/runtimes/&lt;rid&gt;/native/</c> for <paramref name="unmanagedDllName"/>,
    /// trying the RIDs most specific first and each RID's file-name forms in turn; null when none exists.
    /// </summary>
    internal string? NativeLibraryPath(string unmanagedDllName)
    {
        if (string.IsNullOrEmpty(unmanagedDllName) || Path.IsPathRooted(unmanagedDllName))
        {
            return null;
        }

        foreach (var directory in _nativeDirectories)
        {
            foreach (var fileName in NativeFileNames(unmanagedDllName))
            {
                var candidate = Path.Combine(directory, fileName);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private string? AssemblyPath(AssemblyName name)
    {
        if (string.IsNullOrEmpty(name.Name))
        {
            return null;
        }

        // Satellite (culture) assemblies are not shipped; only neutral ones are ours.
        if (!string.IsNullOrEmpty(name.CultureName))
        {
            return null;
        }

        var path = Path.Combine(_depsDirectory, name.Name + ".dll");
        return File.Exists(path) ? path : null;
    }

    /// <summary>The file names a native library may carry on disk, most specific form first.</summary>
    internal static IEnumerable<string> NativeFileNames(string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        IEnumerable<string> Forms()
        {
            if (OperatingSystem.IsWindows())
            {
                yield return name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? name : name + ".dll";
                yield return name;
            }
            else if (OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst())
            {
                yield return "lib" + name + ".dylib";
                yield return name + ".dylib";
                yield return "lib" + name + ".so";
                yield return name;
            }
            else
            {
                yield return "lib" + name + ".so";
                yield return name + ".so";
                yield return name;
            }
        }

        foreach (var form in Forms())
        {
            if (seen.Add(form))
            {
                yield return form;
            }
        }
    }
}
