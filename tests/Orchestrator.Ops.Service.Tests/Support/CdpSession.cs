using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Ops.Service.Tests.Support;

/// <summary>
/// A minimal Chrome DevTools Protocol client over one page target: numbered commands answered by id, and events
/// handed to a callback as they arrive.
/// </summary>
public sealed class CdpSession : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Action<string, JsonElement> _onEvent;
    private Task _reader = Task.CompletedTask;
    private int _nextId;

    private CdpSession(Action<string, JsonElement> onEvent) => _onEvent = onEvent;

    public static async Task<CdpSession> ConnectAsync(Uri target, Action<string, JsonElement> onEvent, CancellationToken cancellationToken)
    {
        var session = new CdpSession(onEvent);
        session._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await session._socket.ConnectAsync(target, cancellationToken);
        session._reader = Task.Run(session.ReadLoopAsync);
        return session;
    }

    /// <summary>Sends one command and returns its result; a protocol error becomes an exception.</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = JsonSerializer.SerializeToNode(parameters ?? new { }) };
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }

        using var registration = cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
        return await answer.Task;
    }

    /// <summary>Evaluates an expression in the page (awaiting a promise) and returns its value as JSON.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression, CancellationToken cancellationToken)
    {
        var result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true }, cancellationToken);
        if (result.TryGetProperty("exceptionDetails", out var error))
        {
            throw new InvalidOperationException($"The page threw evaluating {expression}: {error}");
        }

        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var v) ? v.Clone() : default;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Abort();
        try
        {
            await _reader;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The socket was aborted on purpose.
        }

        _socket.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
        {
            var received = await _socket.ReceiveAsync(buffer, _stop.Token);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            message.Write(buffer, 0, received.Count);
            if (!received.EndOfMessage)
            {
                continue;
            }

            var root = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            message.SetLength(0);
            if (root.TryGetProperty("id", out var id) && _pending.TryRemove(id.GetInt32(), out var answer))
            {
                if (root.TryGetProperty("error", out var error))
                {
                    answer.TrySetException(new InvalidOperationException($"CDP error: {error}"));
                }
                else
                {
                    answer.TrySetResult(root.GetProperty("result"));
                }
            }
            else if (root.TryGetProperty("method", out var method))
            {
                _onEvent(method.GetString()!, root.TryGetProperty("params", out var p) ? p : default);
            }
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new WebSocketException("The DevTools connection closed."));
        }
    }
}
