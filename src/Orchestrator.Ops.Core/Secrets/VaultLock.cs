using System.Diagnostics;
using System.Globalization;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// Serializes writers of one vault across processes and threads: an exclusive (FileShare.None) handle on
/// &lt;vault&gt;.lock, which the operating system drops when its process dies, so a killed writer never blocks the
/// next one. The holder's description sits beside it for the error of the one kept waiting.
/// </summary>
internal sealed class VaultLock : IDisposable
{
    private readonly FileStream _stream;
    private readonly string _holderFile;

    private VaultLock(FileStream stream, string holderFile)
    {
        _stream = stream;
        _holderFile = holderFile;
    }

    public static VaultLock Acquire(string vaultPath, TimeSpan wait, string operation)
    {
        var path = vaultPath + ".lock";
        var holderFile = vaultPath + ".lock-holder";
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = VaultKey.OwnerOnly;
        }

        CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(vaultPath))!, vaultPath);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var stream = new FileStream(path, options);
                var text = string.Create(CultureInfo.InvariantCulture, $"{Environment.UserName}@{Environment.MachineName} (pid {Environment.ProcessId}, {operation}) since {DateTimeOffset.UtcNow:u}");
                AtomicFile.WriteAllText(holderFile, text + Environment.NewLine, VaultKey.OwnerOnly);
                return new VaultLock(stream, holderFile);
            }
            catch (Exception e) when (e is DirectoryNotFoundException or PathTooLongException or UnauthorizedAccessException)
            {
                throw new VaultException(VaultFailure.Io, vaultPath, $"The vault's lock file '{path}' cannot be opened: {e.Message}", e);
            }
            catch (IOException) when (waited.Elapsed < wait)
            {
                // A writer holds it; vault writes take milliseconds, so a short poll is enough.
                Thread.Sleep(20);
            }
            catch (IOException e)
            {
                throw new VaultException(VaultFailure.Locked, vaultPath, $"Another writer holds the lock on the vault '{vaultPath}': {ReadHolder(holderFile)}. Try again when it has finished; nothing was changed.", e);
            }
        }
    }

    /// <summary>The vault's folder, owner-only when this creates it (an existing folder keeps its mode).</summary>
    private static void CreateDirectory(string directory, string vaultPath)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VaultException(VaultFailure.Io, vaultPath, $"The vault's folder '{directory}' cannot be created: {e.Message}", e);
        }
    }

    private static string ReadHolder(string holderFile)
    {
        try
        {
            return File.ReadAllText(holderFile).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "another process";
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_holderFile);
        }
        catch (IOException)
        {
        }

        _stream.Dispose();
    }
}
