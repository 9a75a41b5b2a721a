using Orchestrator.Ops.Tests.Shared;

namespace Orchestrator.Ops.Core.Tests.Hosting;

/// <summary>Which dotnet starts the sandbox and the service: the order ProcessHelpers.FindDotnet documents.</summary>
public sealed class FindDotnetTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Host(string folder) => _dir.Write($"{folder}/dotnet", "host");

    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    private string RuntimeOf(string folder) => _dir.File($"{folder}/shared/Microsoft.NETCore.App/10.0.1/");

    [Fact]
    public void DOTNET_HOST_PATH_wins_over_everything()
    {
        var hostPath = Host("host-path");
        var root = Host("root");
        var found = ProcessHelpers.FindDotnet(Env(("DOTNET_HOST_PATH", hostPath), ("DOTNET_ROOT", Path.GetDirectoryName(root)!)), _dir.File("proc/dotnet"), RuntimeOf("runtime"), windows: false);
        Assert.Equal(hostPath, found);
    }

    [Fact]
    public void The_dotnet_running_us_comes_before_DOTNET_ROOT()
    {
        var root = Host("root");
        var self = _dir.File("proc/dotnet");
        Assert.Equal(self, ProcessHelpers.FindDotnet(Env(("DOTNET_ROOT", Path.GetDirectoryName(root)!)), self, RuntimeOf("runtime"), windows: false));
    }

    [Fact]
    public void A_self_contained_pwsh_takes_DOTNET_ROOT_then_its_runtimes_installation_then_PATH()
    {
        // pwsh installed on its own: the process is pwsh, not dotnet.
        var pwsh = _dir.File("opt/microsoft/powershell/7/pwsh");
        var root = Host("dotnet-root");
        Assert.Equal(root, ProcessHelpers.FindDotnet(Env(("DOTNET_ROOT", Path.GetDirectoryName(root)!)), pwsh, RuntimeOf("runtime"), windows: false));

        // DOTNET_ROOT without a host in it: the installation around the runtime, when it has one.
        var installed = Host("runtime");
        Assert.Equal(installed, ProcessHelpers.FindDotnet(Env(("DOTNET_ROOT", _dir.File("empty"))), pwsh, RuntimeOf("runtime"), windows: false));

        // Nothing at all: the bare name, for PATH.
        Assert.Equal("dotnet", ProcessHelpers.FindDotnet(Env(), pwsh, RuntimeOf("nowhere"), windows: false));
        Assert.Equal("dotnet.exe", ProcessHelpers.FindDotnet(Env(), pwsh, RuntimeOf("nowhere"), windows: true));
    }
}
