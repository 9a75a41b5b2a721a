using Orchestrator.Ops.Loader;

namespace Orchestrator.Ops.Loader.Tests;

public sealed class RuntimeIdentifiersTests
{
    [Fact]
    public void Linux_musl_falls_back_through_musl_then_glibc_linux_then_unix()
    {
        Assert.Equal(
            ["linux-musl-x64", "linux-musl", "linux-x64", "linux", "unix"],
            RuntimeIdentifiers.Chain("linux-musl", "x64", runtimeRid: null));
    }

    [Fact]
    public void Linux_falls_back_to_linux_then_unix()
    {
        Assert.Equal(["linux-arm64", "linux", "unix"], RuntimeIdentifiers.Chain("linux", "arm64", runtimeRid: null));
    }

    [Fact]
    public void Osx_falls_back_to_osx_then_unix()
    {
        Assert.Equal(["osx-arm64", "osx", "unix"], RuntimeIdentifiers.Chain("osx", "arm64", runtimeRid: null));
    }

    [Fact]
    public void Windows_falls_back_to_win()
    {
        Assert.Equal(["win-x64", "win"], RuntimeIdentifiers.Chain("win", "x64", runtimeRid: null));
    }

    [Fact]
    public void The_runtime_rid_comes_first_and_is_not_repeated()
    {
        Assert.Equal(
            ["alpine.3.20-x64", "linux-musl-x64", "linux-musl", "linux-x64", "linux", "unix"],
            RuntimeIdentifiers.Chain("linux-musl", "x64", "alpine.3.20-x64"));
        Assert.Equal(["linux-x64", "linux", "unix"], RuntimeIdentifiers.Chain("linux", "x64", "linux-x64"));
    }

    [Fact]
    public void An_unknown_os_keeps_its_own_name_as_the_fallback()
    {
        Assert.Equal(["freebsd-x64", "freebsd"], RuntimeIdentifiers.Chain("freebsd", "x64", runtimeRid: null));
    }

    [Fact]
    public void This_machine_probes_at_least_one_os_arch_rid()
    {
        var probe = RuntimeIdentifiers.Probe();
        Assert.NotEmpty(probe);
        Assert.Equal(probe.Count, probe.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }
}
