using System.Text;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// The router for routers Orchestrator.Ops does not know: it writes the active slot's name and a newline to a file
/// (<c>deployment.routerFile</c>), atomically, so whatever watches the file reads the old name or the new one, never a
/// truncated file. It cannot prove the switch; the router that reads the file decides when traffic moves.
/// </summary>
public sealed class FileTrafficRouter : ITrafficRouter
{
    // A pointer file holds one short name; anything much larger is not one.
    private const int MaxFileBytes = 4096;

    private readonly string _path;
    private readonly HashSet<string> _slots;

    /// <param name="path">The pointer file (absolute).</param>
    /// <param name="slotNames">The configured slots: a file naming any other is not trusted.</param>
    public FileTrafficRouter(string path, IEnumerable<string> slotNames)
    {
        _path = path;
        _slots = new HashSet<string>(slotNames, StringComparer.Ordinal);
    }

    public RouterKind Kind => RouterKind.File;

    public string DescribeSwitch(RouterSwitchRequest request) =>
        $"write '{request.To.Name}' to {_path} (replacing '{request.From.Name}' atomically); the router that reads that file moves the traffic";

    public Task<RouterSwitchOutcome> SwitchAsync(RouterSwitchRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            AtomicFile.WriteAllText(_path, request.To.Name + "\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The write is a rename of a complete temporary file, so a failure leaves the old pointer in place.
            throw new DeploymentException(DeploymentFailure.RouterFailed,
                $"The file router could not write slot '{request.To.Name}' to {_path}: {ex.Message} The file was not changed.", ex)
            { Target = request.To.Name };
        }

        return Task.FromResult(new RouterSwitchOutcome("file", $"wrote '{request.To.Name}' to {_path}; not proven: the router reading the file decides when traffic moves"));
    }

    public async Task<string?> GetRoutedSlotAsync(CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            await using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, useAsync: true);
            if (stream.Length > MaxFileBytes)
            {
                return null;
            }

            bytes = new byte[stream.Length];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        // One name, optionally followed by a line end (written by hand, perhaps with CRLF); nothing else.
        var name = text.TrimEnd('\n', '\r');
        return _slots.Contains(name) ? name : null;
    }
}
