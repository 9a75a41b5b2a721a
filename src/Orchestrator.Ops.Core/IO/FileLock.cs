using System.Diagnostics;

namespace Orchestrator.Ops.Core.IO;

/// <summary>A lock held on one resource (a vault, a backup root, ...) until disposed.</summary>
public interface IResourceLock : IDisposable
{
    /// <summary>What is locked, as the caller named it.</summary>
    string Resource { get; }
}

/// <summary>
/// Hands out locks on named resources. <see cref="FileLocks"/> holds them on this machine with lock files; a store
/// that several hosts share can implement the same contract to hold them across machines.
/// </summary>
public interface IResourceLocks
{
    /// <summary>
    /// Takes the lock on <paramref name="resource"/> for <paramref name="operation"/>, waiting up to
    /// <paramref name="wait"/> (zero: fail at once) while another holder has it.
    /// </summary>
    /// <exception cref="ResourceLockedException">Another holder kept it for all of <paramref name="wait"/>.</exception>
    IResourceLock Acquire(string resource, string operation, TimeSpan wait, CancellationToken cancellationToken = default);
}

/// <summary>Another holder has the lock; <see cref="Holder"/> says who, as its holder wrote it.</summary>
public sealed class ResourceLockedException(string resource, string holder, Exception? inner = null)
    : IOException($"Another operation holds the lock on '{resource}': {holder}.", inner)
{
    public string Resource { get; } = resource;

    public string Holder { get; } = holder;
}

/// <summary>
/// Locks on this machine: the resource names a lock file, held with an exclusive (FileShare.None) handle that the
/// operating system drops when its process dies, so a killed holder never blocks the next one. Beside it,
/// <c>&lt;lock&gt;-holder</c> says who holds it (<see cref="Actor.Holding"/>) for the error of the one kept waiting.
/// Both files are owner-only.
/// </summary>
public sealed class FileLocks(TimeProvider? time = null) : IResourceLocks
{
    /// <summary>How often a waiting caller tries again; the engine's locks are held for milliseconds to seconds.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>One shared instance on the system clock.</summary>
    public static FileLocks Default { get; } = new();

    /// <inheritdoc/>
    /// <remarks>The lock file's folder is created owner-only when missing; IO errors other than "held" propagate.</remarks>
    public IResourceLock Acquire(string resource, string operation, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var lockPath = Path.GetFullPath(resource);
        var holderPath = lockPath + "-holder";
        OwnerOnly.CreateFolder(Path.GetDirectoryName(lockPath)!);
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly.FileMode;
        }

        var waited = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            FileStream stream;
            try
            {
                stream = new FileStream(lockPath, options);
            }
            catch (IOException e) when (e is not (DirectoryNotFoundException or PathTooLongException or FileNotFoundException))
            {
                if (waited.Elapsed >= wait)
                {
                    throw new ResourceLockedException(resource, ReadHolder(holderPath), e);
                }

                cancellationToken.WaitHandle.WaitOne(PollInterval);
                continue;
            }

            try
            {
                AtomicFile.WriteAllText(holderPath, Actor.Holding(operation, _time.GetUtcNow()) + Environment.NewLine, OwnerOnly.FileMode);
            }
            catch
            {
                stream.Dispose();
                throw;
            }

            return new Held(resource, stream, holderPath);
        }
    }

    private static string ReadHolder(string holderPath)
    {
        try
        {
            return File.ReadAllText(holderPath).Trim() is { Length: > 0 } text ? text : "another process";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "another process";
        }
    }

    private sealed class Held(string resource, FileStream stream, string holderPath) : IResourceLock
    {
        public string Resource { get; } = resource;

        public void Dispose()
        {
            try
            {
                File.Delete(holderPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }

            stream.Dispose();
        }
    }
}
