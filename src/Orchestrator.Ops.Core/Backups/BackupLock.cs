using System.Globalization;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>Another backup operation holds the backup root's lock.</summary>
public sealed class BackupLockedException(string root, string holder)
    : Exception($"Another backup operation holds the lock on '{root}': {holder}. Wait for it to finish; nothing was changed.")
{
    public string Root { get; } = root;

    public string Holder { get; } = holder;
}

/// <summary>
/// Serializes New-Backup, Restore-Backup and Remove-Backup on one backup root across processes: an exclusive lock on
/// &lt;root&gt;/.lock, which the operating system releases when the process ends (a killed holder never blocks anyone),
/// with the holder's description beside it for the error of the one refused.
/// </summary>
internal sealed class BackupLock : IDisposable
{
    private readonly FileStream _stream;
    private readonly string _holderFile;

    private BackupLock(FileStream stream, string holderFile)
    {
        _stream = stream;
        _holderFile = holderFile;
    }

    public static BackupLock Acquire(string root, string operation)
    {
        CreateRoot(root);
        var path = Path.Combine(root, ".lock");
        var holderFile = Path.Combine(root, ".lock-holder");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            string holder;
            try
            {
                holder = File.ReadAllText(holderFile).Trim();
            }
            catch (IOException)
            {
                holder = "another process";
            }

            throw new BackupLockedException(root, holder);
        }

        var text = string.Create(CultureInfo.InvariantCulture, $"{Environment.UserName}@{Environment.MachineName} (pid {Environment.ProcessId}, {operation}) since {DateTimeOffset.UtcNow:u}");
        AtomicFile.WriteAllText(holderFile, text + Environment.NewLine);
        return new BackupLock(stream, holderFile);
    }

    public static void CreateRoot(string root)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(root);
        }
        else
        {
            Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
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
