using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Ops.Service.Gateway;

namespace Orchestrator.Ops.Service.Tests;

/// <summary>The gateway's own socket transport: it takes the gateway's listener and nothing else, and really listens.</summary>
public sealed class GatewayTransportTests
{
    [Fact]
    public void Binds_only_the_gateway_endpoint()
    {
        var transport = new GatewayTransportFactory(NullLoggerFactory.Instance);
        Assert.True(transport.CanBind(new GatewayEndPoint(IPAddress.Loopback, 0)));
        Assert.False(transport.CanBind(new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.False(transport.CanBind(new UnixDomainSocketEndPoint(Path.Combine(Path.GetTempPath(), "ops-gw-test.sock"))));
        var refused = Assert.Throws<NotSupportedException>(() => transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0)).AsTask().GetAwaiter().GetResult());
        Assert.Contains("gateway", refused.Message);
        Assert.Equal(0, transport.Bound);
    }

    [Fact]
    public async Task Listens_on_loopback_and_passes_bytes_both_ways()
    {
        var transport = new GatewayTransportFactory(NullLoggerFactory.Instance);
        await using var listener = await transport.BindAsync(new GatewayEndPoint(IPAddress.Loopback, 0));
        Assert.Equal(1, transport.Bound);
        var bound = Assert.IsType<IPEndPoint>(listener.EndPoint, exactMatch: false);
        Assert.Equal(IPAddress.Loopback, bound.Address);
        Assert.NotEqual(0, bound.Port);

        using var client = new TcpClient();
        await client.ConnectAsync(bound.Address, bound.Port).WaitAsync(TimeSpan.FromSeconds(10));
        await using var connection = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(connection);

        var stream = client.GetStream();
        await stream.WriteAsync("ping"u8.ToArray());
        var read = await connection!.Transport.Input.ReadAtLeastAsync(4).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("ping"u8.ToArray(), System.Buffers.BuffersExtensions.ToArray(read.Buffer));
        connection.Transport.Input.AdvanceTo(read.Buffer.End);

        await connection.Transport.Output.WriteAsync("pong"u8.ToArray());
        var answer = new byte[4];
        await stream.ReadExactlyAsync(answer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("pong"u8.ToArray(), answer);
    }
}
