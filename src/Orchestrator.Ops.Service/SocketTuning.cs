namespace Orchestrator.Ops.Service;

/// <summary>Socket settings of the service process.</summary>
internal static class SocketTuning
{
    /// <summary>When "1", .NET runs socket completions inline on its epoll threads (Linux and macOS).</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
}
