using System.Net;
using System.Net.Sockets;

namespace Orchestrator.Ops.Tests.Shared;

/// <summary>Loopback ports for tests.</summary>
public static class LoopbackPort
{
    /// <summary>A port on 127.0.0.1 that nothing listens on (it was free a moment ago).</summary>
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
