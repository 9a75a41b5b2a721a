using Orchestrator.Ops.Core.LogWriting;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>The gateway's access.log, owned by the service and flushed when the service stops.</summary>
internal sealed class AccessLog(string logsFolder) : IDisposable
{
    public AccessLogWriter Writer { get; } = new(logsFolder);

    public void Dispose() => Writer.Dispose();
}
