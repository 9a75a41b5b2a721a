using System.Runtime.InteropServices;

namespace Orchestrator.Ops.Loader;

/// <summary>
/// The runtime identifiers under <c>deps/runtimes/</c> worth probing for native libraries on this
/// machine, most specific first — a hand-written slice of NuGet's RID graph for the RIDs
/// SQLitePCLRaw ships (e.g. linux-musl-x64 → linux-musl → linux-x64 → linux, osx-arm64 → osx,
/// win-x64 → win).
/// </summary>
internal static class RuntimeIdentifiers
{
    internal static IReadOnlyList<string> Probe()
    {
        var os = OperatingSystemPart();
        var arch = ArchitecturePart(RuntimeInformation.ProcessArchitecture);
        return Chain(os, arch, RuntimeInformation.RuntimeIdentifier);
    }

    /// <summary>Builds the probe order; separated from the machine facts so it can be tested.</summary>
    internal static IReadOnlyList<string> Chain(string os, string arch, string? runtimeRid)
    {
        var result = new List<string>();
        void Add(string rid)
        {
            if (!string.IsNullOrWhiteSpace(rid) && !result.Contains(rid, StringComparer.OrdinalIgnoreCase))
            {
                result.Add(rid);
            }
        }

        // The runtime's own RID first: a distro-built runtime may report e.g. "alpine.3.20-x64",
        // which we do not ship, but a portable one reports exactly what NuGet uses.
        if (runtimeRid is not null)
        {
            Add(runtimeRid);
        }

        Add($"{os}-{arch}");
        switch (os)
        {
            case "linux-musl":
                Add("linux-musl");
                Add($"linux-{arch}");
                Add("linux");
                Add("unix");
                break;
            case "linux":
                Add("linux");
                Add("unix");
                break;
            case "osx":
                Add("osx");
                Add("unix");
                break;
            case "win":
                Add("win");
                break;
            default:
                Add(os);
                break;
        }

        return result;
    }

    private static string OperatingSystemPart()
    {
        if (OperatingSystem.IsWindows())
        {
            return "win";
        }

        if (OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst())
        {
            return "osx";
        }

        if (OperatingSystem.IsLinux())
        {
            return IsMusl() ? "linux-musl" : "linux";
        }

        return RuntimeInformation.OSDescription.Split(' ', 2)[0].ToLowerInvariant();
    }

    private static bool IsMusl()
    {
        if (RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // Alpine and other musl distributions carry the musl dynamic loader as /lib/ld-musl-<arch>.so.1.
        try
        {
            return Directory.Exists("/lib")
                && Directory.EnumerateFiles("/lib", "ld-musl-*.so.1").Any();
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string ArchitecturePart(Architecture architecture) => architecture switch
    {
        Architecture.X64 => "x64",
        Architecture.X86 => "x86",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        Architecture.LoongArch64 => "loongarch64",
        _ => architecture.ToString().ToLowerInvariant(),
    };
}
