using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Deployment;

public sealed class TrafficRouterFactoryTests : IDisposable
{
    private readonly TempFolder _dir = new();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }

    [Theory]
    [InlineData("""{ "router": "gateway" }""", RouterKind.Gateway, typeof(GatewayTrafficRouter))]
    [InlineData("""{ "router": "file", "routerFile": "pointers/slot" }""", RouterKind.File, typeof(FileTrafficRouter))]
    [InlineData("""{ "router": "nginx", "nginx": { "upstreamFile": "u.conf", "configFile": "n.conf", "verifyBaseUrl": "http://127.0.0.1:9/" } }""", RouterKind.Nginx, typeof(NginxTrafficRouter))]
    public async Task The_configured_router_is_built(string deployment, RouterKind kind, Type type)
    {
        var config = OpsConfigLoader.Load(_dir.Write("ops.json", ConfigText.Minimal[..^2] + $",\n  \"deployment\": {deployment}\n}}"));
        await using var store = await StateStoreFactory.OpenAsync(config.Store, TimeProvider.System, default);

        var router = TrafficRouterFactory.Create(config, store, _http, TimeProvider.System);

        Assert.IsType(type, router);
        Assert.Equal(kind, router.Kind);
    }

    [Fact]
    public async Task The_file_router_uses_the_configured_file_relative_to_the_ops_root()
    {
        var config = OpsConfigLoader.Load(_dir.Write("ops.json", ConfigText.Minimal[..^2] + ",\n  \"deployment\": { \"router\": \"file\", \"routerFile\": \"pointers/slot\" }\n}"));
        await using var store = await StateStoreFactory.OpenAsync(config.Store, TimeProvider.System, default);
        var router = TrafficRouterFactory.Create(config, store, _http, TimeProvider.System);

        await router.SwitchAsync(new RouterSwitchRequest(config.FindSlot("blue")!, config.FindSlot("green")!, config.Wrappers), default);

        Assert.Equal("green\n", File.ReadAllText(_dir.File("pointers/slot")));
    }
}
