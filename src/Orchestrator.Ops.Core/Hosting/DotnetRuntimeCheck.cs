using System.Text.Json.Nodes;

namespace Orchestrator.Ops.Core.Hosting;

/// <summary>
/// Checks, before a helper process starts, that the dotnet host which will run it has every shared framework the
/// helper's runtimeconfig.json asks for. The sandbox and the service run on the ASP.NET Core runtime, which a machine
/// with PowerShell alone does not have; without this check the host prints its own advice to a stream nobody reads and
/// the caller sees only "exited with code 150".
/// </summary>
public static class DotnetRuntimeCheck
{
    /// <summary>Throws <see cref="DotnetRuntimeMissingException"/> when <paramref name="dotnetHost"/> cannot run <paramref name="appAssembly"/>.</summary>
    /// <param name="appAssembly">The helper's dll; its runtimeconfig.json lies beside it.</param>
    /// <param name="dotnetHost">The dotnet host that will run it: a full path, or a bare name looked up on PATH.</param>
    /// <param name="what">What is being started, for the message (e.g. "the sandbox fleet").</param>
    public static void Require(string appAssembly, string dotnetHost, string what)
    {
        var configPath = Path.ChangeExtension(appAssembly, null) + ".runtimeconfig.json";
        if (!File.Exists(configPath))
        {
            // A self-contained helper, or one laid out by hand: nothing to check against.
            return;
        }

        var required = ReadFrameworks(configPath, out var rollForward);
        if (required.Count == 0)
        {
            return;
        }

        var root = FindDotnetRoot(dotnetHost);
        if (root is not null && !Directory.Exists(Path.Combine(root, "shared")))
        {
            // Not a .NET installation folder we can read (a wrapper such as snap's /snap/bin/dotnet): the host finds its
            // frameworks elsewhere, so leave the judgement to it rather than refuse what may well start.
            return;
        }

        var installed = root is null ? [] : InstalledFrameworks(root);
        foreach (var (name, version) in required)
        {
            var candidates = installed.Where(i => i.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(i => i.Version);
            if (root is not null && candidates.Any(v => Accepts(v, version, rollForward)))
            {
                continue;
            }

            var has = installed.Select(i => $"{i.Name} {i.Version}").ToList();
            var where = root is null
                ? $"no dotnet host was found ('{dotnetHost}' is not a file and not on PATH)"
                : $"the .NET at '{root}' does not have it (it has {(has.Count == 0 ? "no shared framework" : string.Join(", ", has))})";
            var wanted = FrameworkTitle(name) + $" ({name} {version}{(RollsToLaterMajor(rollForward) ? " or later" : string.Empty)})";
            throw new DotnetRuntimeMissingException(
                $"Starting {what} needs the {wanted}, and {where}. {InstallAdvice(name, version.ToString(), root)}",
                name,
                version.ToString(),
                root,
                has);
        }
    }

    /// <summary>How to install <paramref name="framework"/>: the package, the install script, or pointing at another .NET.</summary>
    internal static string InstallAdvice(string framework, string version, string? root)
    {
        var channel = Version.TryParse(version, out var v) ? $"{v.Major}.0" : "8.0";
        var (package, runtime) = framework.Equals("Microsoft.AspNetCore.App", StringComparison.OrdinalIgnoreCase)
            ? ($"aspnetcore-runtime-{channel}", "aspnetcore")
            : ($"dotnet-runtime-{channel}", "dotnet");
        var into = root is null ? string.Empty : $" --install-dir '{root}'";
        return $"Install it: 'apt-get install {package}' where Microsoft's (or Ubuntu's) .NET packages are set up, or " +
            $"'dotnet-install.sh --runtime {runtime} --channel {channel}{into}'; a .NET SDK includes it. " +
            "Or, when PowerShell does not itself run on dotnet (pwsh installed on its own), set DOTNET_ROOT to a .NET installation that has it.";
    }

    private static bool RollsToLaterMajor(string policy) =>
        policy.Equals("Major", StringComparison.OrdinalIgnoreCase) || policy.Equals("LatestMajor", StringComparison.OrdinalIgnoreCase);

    private static string FrameworkTitle(string name) => name switch
    {
        _ when name.Equals("Microsoft.AspNetCore.App", StringComparison.OrdinalIgnoreCase) => "ASP.NET Core runtime",
        _ when name.Equals("Microsoft.NETCore.App", StringComparison.OrdinalIgnoreCase) => ".NET runtime",
        _ => "shared framework",
    };

    /// <summary>The roll-forward rules of the .NET host: whether an installed version may run an app built for <paramref name="required"/>.</summary>
    internal static bool Accepts(Version installed, Version required, string policy)
    {
        if (installed < required)
        {
            return false;
        }

        return policy.ToUpperInvariant() switch
        {
            "DISABLE" => installed == required,
            "LATESTPATCH" => installed.Major == required.Major && installed.Minor == required.Minor,
            "MAJOR" or "LATESTMAJOR" => true,
            _ => installed.Major == required.Major, // Minor, LatestMinor: the default
        };
    }

    private static List<(string Name, Version Version)> ReadFrameworks(string configPath, out string rollForward)
    {
        var options = JsonNode.Parse(File.ReadAllText(configPath))?["runtimeOptions"];
        rollForward = Environment.GetEnvironmentVariable("DOTNET_ROLL_FORWARD") is { Length: > 0 } env
            ? env
            : options?["rollForward"]?.GetValue<string>() ?? "Minor";
        var list = new List<(string, Version)>();
        var frameworks = options?["frameworks"] is JsonArray many ? many.ToList() : [options?["framework"]];
        foreach (var f in frameworks)
        {
            if (f?["name"]?.GetValue<string>() is { } name && ParseVersion(f["version"]?.GetValue<string>()) is { } version)
            {
                list.Add((name, version));
            }
        }

        return list;
    }

    private static Version? ParseVersion(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        return Version.TryParse(dash < 0 ? text : text[..dash], out var v) ? v : null;
    }

    /// <summary>The folder of the .NET installation behind a dotnet host (symbolic links followed, as the host does).</summary>
    internal static string? FindDotnetRoot(string dotnetHost)
    {
        var path = dotnetHost;
        if (!Path.IsPathRooted(path))
        {
            path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(d => Path.Combine(d, dotnetHost))
                .FirstOrDefault(File.Exists);
            if (path is null)
            {
                return null;
            }
        }

        if (!File.Exists(path))
        {
            return null;
        }

        var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        return Path.GetDirectoryName(target);
    }

    private static List<(string Name, Version Version)> InstalledFrameworks(string root)
    {
        var shared = Path.Combine(root, "shared");
        var list = new List<(string, Version)>();
        if (!Directory.Exists(shared))
        {
            return list;
        }

        foreach (var framework in Directory.EnumerateDirectories(shared))
        {
            foreach (var versionDir in Directory.EnumerateDirectories(framework))
            {
                if (ParseVersion(Path.GetFileName(versionDir)) is { } version)
                {
                    list.Add((Path.GetFileName(framework), version));
                }
            }
        }

        return list.OrderBy(f => f.Item1, StringComparer.Ordinal).ThenBy(f => f.Item2).ToList();
    }
}
