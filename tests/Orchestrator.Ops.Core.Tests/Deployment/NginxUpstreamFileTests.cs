using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;

namespace Orchestrator.Ops.Core.Tests.Deployment;

/// <summary>What the nginx router renders and reads back, without an nginx.</summary>
public sealed class NginxUpstreamFileTests : IDisposable
{
    private static readonly WrapperDefinition[] Wrappers =
    [
        new("routellm", WrapperKind.RouteLlm, "/health", "/v1/operation"),
        new("external-tools", WrapperKind.ExternalTool, "/healthz", "/v1/operation"),
    ];

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static SlotDefinition Slot(string name, string routellm, string external) =>
        new(name, new Dictionary<string, Uri> { ["routellm"] = new(routellm), ["external-tools"] = new(external) });

    private NginxTrafficRouter Router(string upstreamFile) => new(new NginxRouterSettings
    {
        UpstreamFile = upstreamFile,
        ConfigFile = _dir.File("nginx.conf"),
        VerifyBaseUrl = new Uri("http://127.0.0.1:9/"),
    }, ["blue", "green"], new HttpClient(), TimeProvider.System);

    [Fact]
    public void The_file_names_the_slot_and_has_one_upstream_per_wrapper_with_a_keepalive()
    {
        var text = NginxTrafficRouter.Render(Slot("green", "http://127.0.0.1:5101", "http://[::1]:5103/"), Wrappers, "blue",
            new DateTimeOffset(2026, 11, 28, 10, 15, 0, TimeSpan.FromHours(1)));

        Assert.Equal("""
            # orchestrator-ops active-slot: green
            # Rendered by Orchestrator.Ops at 2026-11-28T09:15:00Z (switch from blue). Every switch rewrites this file.

            upstream orchestrator_routellm {
                server 127.0.0.1:5101;
                keepalive 16;
            }

            upstream orchestrator_external-tools {
                server [::1]:5103;
                keepalive 16;
            }

            """.ReplaceLineEndings("\n"), text);
    }

    [Fact]
    public void A_base_url_with_a_path_cannot_be_an_upstream_and_is_refused()
    {
        var ex = Assert.Throws<DeploymentException>(() =>
            NginxTrafficRouter.Render(Slot("green", "http://127.0.0.1:5101/routellm", "http://127.0.0.1:5103"), Wrappers, "blue", DateTimeOffset.UnixEpoch));

        Assert.Equal(DeploymentFailure.RouterFailed, ex.Failure);
        Assert.Contains("http://127.0.0.1:5101/routellm", ex.Message);
        Assert.Contains("has a path", ex.Message);
    }

    [Fact]
    public void A_wrapper_name_becomes_an_upstream_name_nginx_accepts()
    {
        Assert.Equal("orchestrator_external-tools", NginxTrafficRouter.UpstreamName("external-tools"));
        Assert.Equal("orchestrator_a_b", NginxTrafficRouter.UpstreamName("a.b"));
    }

    [Fact]
    public async Task The_routed_slot_comes_from_the_marker_and_is_unknown_without_one()
    {
        var path = _dir.File("upstreams.conf");
        var router = Router(path);
        Assert.Null(await router.GetRoutedSlotAsync(default));

        File.WriteAllText(path, NginxTrafficRouter.Render(Slot("green", "http://127.0.0.1:1", "http://127.0.0.1:2"), Wrappers, null, DateTimeOffset.UnixEpoch));
        Assert.Equal("green", await router.GetRoutedSlotAsync(default));

        File.WriteAllText(path, "upstream orchestrator_routellm { server 127.0.0.1:1; }\n");
        Assert.Null(await router.GetRoutedSlotAsync(default));

        File.WriteAllText(path, "# orchestrator-ops active-slot: purple\n");
        Assert.Null(await router.GetRoutedSlotAsync(default));
    }

    [Fact]
    public void The_what_if_sentence_names_the_file_the_commands_and_the_proof()
    {
        var router = Router(_dir.File("upstreams.conf"));

        var text = router.DescribeSwitch(new RouterSwitchRequest(
            Slot("blue", "http://127.0.0.1:1", "http://127.0.0.1:2"), Slot("green", "http://127.0.0.1:3", "http://127.0.0.1:4"), Wrappers));

        Assert.Contains($"for slot 'green' into {_dir.File("upstreams.conf")}", text);
        Assert.Contains($"'nginx -t -c {_dir.File("nginx.conf")}'", text);
        Assert.Contains("through http://127.0.0.1:9/", text);
        Assert.False(File.Exists(_dir.File("upstreams.conf")));
    }
}
