using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.ServiceProcess;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>The monthly dependency and vulnerability review (3.3.1 "Security vulnerability scan", 6.2.2 "Update dependencies").</summary>
internal static class DependencyChecks
{
    /// <summary>
    /// Lists what the module runs on, with exact versions: the NuGet packages of the shipped service (its deps.json, which
    /// holds the engine's packages too) or, without it, the libraries the engine has loaded; the .NET runtime; the native
    /// SQLite engine. No vulnerability feed is reachable from here, so no scan is made and the item is Skipped with that
    /// reason — never a Pass, and not a Warn either, since nothing was found wrong. The evidence is the list a person (or
    /// a scanner on a connected machine) reviews.
    /// </summary>
    public static Task<RunbookOutcome> ReviewAsync(RunbookContext ctx, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var rows = new List<RunbookEvidence>();
        var core = typeof(DependencyChecks).Assembly;
        var depsJson = FindServiceDepsJson(core);
        if (depsJson is not null)
        {
            rows.AddRange(Packages(depsJson));
        }

        if (rows.Count == 0)
        {
            rows.AddRange(LoadedLibraries(core));
        }

        rows.Add(new(".NET runtime", "Version", Environment.Version.ToString(), null, null, $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.RuntimeIdentifier}"));
        rows.Add(new("SQLite", "Version", SqliteVersion(), null, null, "the native engine behind the state store"));
        rows.Add(new("Orchestrator.Ops.Core", "Version", InformationalVersion(core), null, null, core.Location));

        var source = depsJson is null ? "the libraries the engine loads" : $"the packages of {Path.GetFileName(depsJson)}";
        return Task.FromResult(RunbookOutcome.Skipped(
            $"No vulnerability feed is reachable from here, so nothing was scanned. The evidence lists {source} with their versions ({rows.Count} rows): "
            + "review them against your advisory source, e.g. `dotnet list package --vulnerable --include-transitive` on a connected build machine, and update the module when one is affected.",
            rows));
    }

    /// <summary>The service's deps.json: the shipped product's packages with their exact NuGet versions.</summary>
    private static string? FindServiceDepsJson(Assembly core)
    {
        var coreFolder = Path.GetDirectoryName(core.Location);
        if (string.IsNullOrEmpty(coreFolder))
        {
            return null;
        }

        var moduleFolder = Path.GetDirectoryName(coreFolder) ?? coreFolder;
        var service = OpsServiceLauncher.FindServiceAssembly(moduleFolder) ?? OpsServiceLauncher.FindServiceAssembly(coreFolder);
        var deps = service is null ? null : Path.ChangeExtension(service, ".deps.json");
        return deps is not null && File.Exists(deps) ? deps : null;
    }

    private static IEnumerable<RunbookEvidence> Packages(string depsJson)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(depsJson));
        if (!doc.RootElement.TryGetProperty("libraries", out var libraries))
        {
            yield break;
        }

        foreach (var lib in libraries.EnumerateObject().OrderBy(l => l.Name, StringComparer.OrdinalIgnoreCase))
        {
            if (lib.Value.TryGetProperty("type", out var type) && type.GetString() == "package" && lib.Name.Split('/') is [var name, var version])
            {
                yield return new RunbookEvidence(name, "Package", version, null, null, "NuGet package");
            }
        }
    }

    /// <summary>The non-framework assemblies the engine references, directly or not, as loaded in its own load context.</summary>
    private static IEnumerable<RunbookEvidence> LoadedLibraries(Assembly core)
    {
        var context = AssemblyLoadContext.GetLoadContext(core) ?? AssemblyLoadContext.Default;
        var runtimeFolder = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? string.Empty;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { core.GetName().Name! };
        var queue = new Queue<Assembly>([core]);
        var found = new List<Assembly>();
        while (queue.Count > 0)
        {
            foreach (var reference in queue.Dequeue().GetReferencedAssemblies())
            {
                if (!seen.Add(reference.Name!))
                {
                    continue;
                }

                Assembly loaded;
                try
                {
                    loaded = context.LoadFromAssemblyName(reference);
                }
                catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    continue;
                }

                if (string.IsNullOrEmpty(loaded.Location) || Path.GetDirectoryName(loaded.Location)!.StartsWith(runtimeFolder, StringComparison.Ordinal))
                {
                    continue; // part of the shared framework: the runtime row covers it
                }

                found.Add(loaded);
                queue.Enqueue(loaded);
            }
        }

        return found
            .OrderBy(a => a.GetName().Name, StringComparer.OrdinalIgnoreCase)
            .Select(a => new RunbookEvidence(a.GetName().Name!, "Assembly", InformationalVersion(a), null, null, $"assembly version {a.GetName().Version}, {Path.GetFileName(a.Location)}"));
    }

    private static string InformationalVersion(Assembly a)
    {
        var v = a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? a.GetName().Version?.ToString() ?? "-";
        var plus = v.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? v[..plus] : v;
    }

    private static string? SqliteVersion()
    {
        try
        {
            using var c = new SqliteConnection("Data Source=:memory:");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "select sqlite_version();";
            return cmd.ExecuteScalar() as string;
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException or DllNotFoundException)
        {
            return null;
        }
    }
}
