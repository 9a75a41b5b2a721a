using Orchestrator.Ops.Core.Logging;
using Serilog.Core;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>The gateway's access.log, owned by the service and flushed when the service stops.</summary>
internal sealed class AccessLog(string logsFolder) : IDisposable
{
    public Logger Logger { get; } = OpsLogging.CreateAccessLog(logsFolder);

    public void Dispose() => Logger.Dispose();
}
