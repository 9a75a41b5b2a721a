using Orchestrator.Ops.Core.Hosting;
using Orchestrator.Ops.Tests.Shared;

namespace Orchestrator.Ops.Core.Tests.Hosting;

/// <summary>
/// The check before the sandbox or the service starts: a .NET installation laid out as the host lays it out
/// (dotnet beside shared/&lt;framework&gt;/&lt;version&gt;/), and a helper whose runtimeconfig.json asks for frameworks.
/// </summary>
public sealed class DotnetRuntimeCheckTests : IDisposable
{
    private readonly TempFolder _dir = new();

    private string Root => _dir.File("dotnet-root");

    private string Host => Path.Combine(Root, "dotnet");

    private string Install(params string[] frameworks)
    {
        Directory.CreateDirectory(Root);
        File.WriteAllText(Host, "not a real host; the check only reads the folder around it");
        foreach (var f in frameworks)
        {
            var parts = f.Split(' ');
            Directory.CreateDirectory(Path.Combine(Root, "shared", parts[0], parts[1]));
        }

        return Host;
    }

    private string App(string rollForward, params string[] frameworks)
    {
        var list = string.Join(",", frameworks.Select(f => f.Split(' ')).Select(p => $$"""{ "name": "{{p[0]}}", "version": "{{p[1]}}" }"""));
        var roll = rollForward.Length == 0 ? string.Empty : $"\"rollForward\": \"{rollForward}\",";
        _dir.Write("app/Helper.runtimeconfig.json", $$"""{ "runtimeOptions": { "tfm": "net8.0", {{roll}} "frameworks": [ {{list}} ] } }""");
        return _dir.Write("app/Helper.dll", "x");
    }

    [Fact]
    public void Missing_aspnetcore_names_the_framework_the_installation_and_how_to_install()
    {
        var host = Install("Microsoft.NETCore.App 10.0.12");
        var app = App("Major", "Microsoft.NETCore.App 8.0.0", "Microsoft.AspNetCore.App 8.0.0");

        var e = Assert.Throws<DotnetRuntimeMissingException>(() => DotnetRuntimeCheck.Require(app, host, "the sandbox fleet"));

        Assert.Equal("Microsoft.AspNetCore.App", e.Framework);
        Assert.Equal("8.0.0", e.RequiredVersion);
        Assert.Equal(Root, e.DotnetRoot);
        Assert.Equal(["Microsoft.NETCore.App 10.0.12"], e.Installed);
        Assert.StartsWith("Starting the sandbox fleet needs the ASP.NET Core runtime (Microsoft.AspNetCore.App 8.0.0 or later)", e.Message, StringComparison.Ordinal);
        Assert.Contains($"the .NET at '{Root}' does not have it (it has Microsoft.NETCore.App 10.0.12)", e.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install aspnetcore-runtime-8.0", e.Message, StringComparison.Ordinal);
        Assert.Contains($"dotnet-install.sh --runtime aspnetcore --channel 8.0 --install-dir '{Root}'", e.RecommendedAction, StringComparison.Ordinal);
        Assert.Contains("DOTNET_ROOT", e.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void A_later_major_satisfies_a_helper_that_rolls_forward_to_majors()
    {
        var host = Install("Microsoft.NETCore.App 10.0.12", "Microsoft.AspNetCore.App 10.0.12");
        var app = App("Major", "Microsoft.NETCore.App 8.0.0", "Microsoft.AspNetCore.App 8.0.0");

        DotnetRuntimeCheck.Require(app, host, "the monitoring service");
    }

    [Fact]
    public void Without_a_roll_forward_setting_only_the_same_major_will_do()
    {
        var host = Install("Microsoft.NETCore.App 10.0.12", "Microsoft.AspNetCore.App 10.0.12");
        var app = App(string.Empty, "Microsoft.AspNetCore.App 8.0.0");

        var e = Assert.Throws<DotnetRuntimeMissingException>(() => DotnetRuntimeCheck.Require(app, host, "the monitoring service"));
        Assert.Contains("(Microsoft.AspNetCore.App 8.0.0)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("or later", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_that_does_not_exist_is_said_so()
    {
        var app = App("Major", "Microsoft.AspNetCore.App 8.0.0");
        var missing = _dir.File("nowhere/dotnet");

        var e = Assert.Throws<DotnetRuntimeMissingException>(() => DotnetRuntimeCheck.Require(app, missing, "the sandbox fleet"));
        Assert.Null(e.DotnetRoot);
        Assert.Contains($"no dotnet host was found ('{missing}' is not a file and not on PATH)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_host_behind_a_symbolic_link_is_followed_to_its_installation()
    {
        var host = Install("Microsoft.NETCore.App 8.0.11", "Microsoft.AspNetCore.App 8.0.11");
        var link = _dir.File("bin/dotnet");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, host);

        Assert.Equal(Root, DotnetRuntimeCheck.FindDotnetRoot(link));
        DotnetRuntimeCheck.Require(App("Major", "Microsoft.AspNetCore.App 8.0.0"), link, "the sandbox fleet");
    }

    [Fact]
    public void A_host_outside_any_dotnet_folder_is_left_to_find_its_own_frameworks()
    {
        // As snap's /snap/bin/dotnet: a wrapper whose folder has no shared/; refusing it would stop what may start.
        var wrapper = _dir.Write("snap/bin/dotnet", "#!/bin/sh");
        var app = App("Major", "Microsoft.AspNetCore.App 8.0.0");

        DotnetRuntimeCheck.Require(app, wrapper, "the sandbox fleet");

        // The same host beside an empty shared/ is a .NET folder without the framework: refused.
        Directory.CreateDirectory(_dir.File("snap/bin/shared"));
        Assert.Throws<DotnetRuntimeMissingException>(() => DotnetRuntimeCheck.Require(app, wrapper, "the sandbox fleet"));
    }

    [Fact]
    public void A_helper_without_a_runtimeconfig_is_not_checked()
    {
        var app = _dir.Write("self-contained/Helper.dll", "x");
        DotnetRuntimeCheck.Require(app, _dir.File("nowhere/dotnet"), "the sandbox fleet");
    }

    [Theory]
    [InlineData("8.0.11", "8.0.0", "Minor", true)]
    [InlineData("10.0.1", "8.0.0", "Minor", false)]
    [InlineData("10.0.1", "8.0.0", "Major", true)]
    [InlineData("10.0.1", "8.0.0", "LatestMajor", true)]
    [InlineData("7.0.20", "8.0.0", "Major", false)]
    [InlineData("8.1.0", "8.0.0", "LatestPatch", false)]
    [InlineData("8.0.5", "8.0.0", "LatestPatch", true)]
    [InlineData("8.0.5", "8.0.0", "Disable", false)]
    [InlineData("8.0.0", "8.0.0", "Disable", true)]
    public void Roll_forward_follows_the_hosts_rules(string installed, string required, string policy, bool accepted) =>
        Assert.Equal(accepted, DotnetRuntimeCheck.Accepts(Version.Parse(installed), Version.Parse(required), policy));

    [Fact]
    public void The_shipped_sandbox_and_service_ask_for_aspnetcore_with_major_roll_forward()
    {
        // The decision documented in the README rests on these two files: framework-dependent helpers that any
        // ASP.NET Core runtime 8 or later can run. Read from the build output of both projects.
        var repo = Repository.Root;
        foreach (var project in new[] { "Orchestrator.Ops.Sandbox", "Orchestrator.Ops.Service" })
        {
            var configs = Directory.GetFiles(Path.Combine(repo, "src", project, "bin"), project + ".runtimeconfig.json", SearchOption.AllDirectories);
            Assert.NotEmpty(configs);
            var text = File.ReadAllText(configs[0]);
            Assert.Contains("\"Microsoft.AspNetCore.App\"", text, StringComparison.Ordinal);
            Assert.Contains("\"rollForward\": \"Major\"", text, StringComparison.Ordinal);
        }
    }

    public void Dispose() => _dir.Dispose();
}
