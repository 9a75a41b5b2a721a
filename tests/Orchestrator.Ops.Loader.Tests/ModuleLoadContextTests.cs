using System.Reflection;
using Orchestrator.Ops.Loader;

namespace Orchestrator.Ops.Loader.Tests;

/// <summary>
/// Works on a temp deps/ folder with empty placeholder files: nothing is ever loaded, only the
/// context's decisions about paths and names are checked.
/// </summary>
public sealed class ModuleLoadContextTests : IDisposable
{
    private readonly string _deps = Path.Combine(Path.GetTempPath(), "ops-loader-" + Guid.NewGuid().ToString("N")[..12], "deps");

    public ModuleLoadContextTests() => Directory.CreateDirectory(_deps);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path.GetDirectoryName(_deps)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Touch(string relativePath)
    {
        var path = Path.Combine(_deps, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
        return path;
    }

    /// <summary>The on-disk form of a native library named <paramref name="name"/> on this OS.</summary>
    private static string PlatformFileName(string name) =>
        OperatingSystem.IsWindows() ? name + ".dll"
        : OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst() ? "lib" + name + ".dylib"
        : "lib" + name + ".so";

    [Fact]
    public void Is_named_Orchestrator_Ops_and_not_collectible()
    {
        var context = new ModuleLoadContext(_deps);
        Assert.Equal("Orchestrator.Ops", context.Name);
        Assert.False(context.IsCollectible);
    }

    [Fact]
    public void Resolves_a_native_library_in_the_most_specific_rid_folder()
    {
        var rid = RuntimeIdentifiers.Probe()[0];
        var expected = Touch(Path.Combine("runtimes", rid, "native", PlatformFileName("e_sqlite3")));

        var context = new ModuleLoadContext(_deps);

        Assert.Equal(expected, context.NativeLibraryPath("e_sqlite3"));
    }

    [Fact]
    public void Falls_back_to_the_least_specific_rid_folder()
    {
        var fallback = RuntimeIdentifiers.Probe()[^1];
        var expected = Touch(Path.Combine("runtimes", fallback, "native", PlatformFileName("e_sqlite3")));

        var context = new ModuleLoadContext(_deps);

        Assert.Equal(expected, context.NativeLibraryPath("e_sqlite3"));
    }

    [Fact]
    public void Prefers_the_more_specific_rid_when_both_exist()
    {
        var probe = RuntimeIdentifiers.Probe();
        Assert.True(probe.Count >= 2, $"expected a fallback chain, got {string.Join(", ", probe)}");
        var specific = Touch(Path.Combine("runtimes", probe[0], "native", PlatformFileName("e_sqlite3")));
        Touch(Path.Combine("runtimes", probe[^1], "native", PlatformFileName("e_sqlite3")));

        Assert.Equal(specific, new ModuleLoadContext(_deps).NativeLibraryPath("e_sqlite3"));
    }

    [Fact]
    public void Returns_null_for_a_missing_native_library_or_a_rooted_path()
    {
        Touch(Path.Combine("runtimes", RuntimeIdentifiers.Probe()[0], "native", PlatformFileName("e_sqlite3")));
        var context = new ModuleLoadContext(_deps);

        Assert.Null(context.NativeLibraryPath("not_there"));
        Assert.Null(context.NativeLibraryPath(Path.Combine(_deps, PlatformFileName("e_sqlite3"))));
        Assert.Null(context.NativeLibraryPath(""));
    }

    [Fact]
    public void Ignores_rid_folders_that_do_not_apply_to_this_machine()
    {
        var foreign = OperatingSystem.IsWindows() ? "osx-arm64" : "win-x64";
        Touch(Path.Combine("runtimes", foreign, "native", PlatformFileName("e_sqlite3")));

        Assert.Null(new ModuleLoadContext(_deps).NativeLibraryPath("e_sqlite3"));
    }

    [Fact]
    public void Native_file_names_try_the_platform_form_first()
    {
        var forms = ModuleLoadContext.NativeFileNames("e_sqlite3").ToList();
        Assert.Equal(PlatformFileName("e_sqlite3"), forms[0]);
        Assert.Contains("e_sqlite3", forms);
        Assert.Equal(forms.Count, forms.Distinct().Count());
    }

    [Fact]
    public void Claims_for_the_default_context_only_Orchestrator_Ops_assemblies_in_deps()
    {
        Touch("Orchestrator.Ops.Core.dll");
        Touch("Serilog.dll");
        Touch("Polly.Core.dll");
        var context = new ModuleLoadContext(_deps);

        Assert.True(context.OwnsEngineAssembly(new AssemblyName("Orchestrator.Ops.Core")));
        // Third-party libraries are ours to load, but never handed to the default context.
        Assert.True(context.Owns(new AssemblyName("Serilog")));
        Assert.False(context.OwnsEngineAssembly(new AssemblyName("Serilog")));
        Assert.False(context.OwnsEngineAssembly(new AssemblyName("Polly.Core")));
        // Our prefix, but not shipped in deps/ (the cmdlet and loader assemblies sit at the root).
        Assert.False(context.OwnsEngineAssembly(new AssemblyName("Orchestrator.Ops.PowerShell")));
        // Satellite assemblies are never ours.
        Assert.False(context.OwnsEngineAssembly(new AssemblyName("Orchestrator.Ops.Core, Culture=de")));
    }
}
