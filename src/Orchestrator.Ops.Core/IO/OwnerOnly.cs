using System.Runtime.InteropServices;

namespace Orchestrator.Ops.Core.IO;

/// <summary>
/// Files and folders only their owner may read: every file that holds a secret or a copy of one (the vault, key files,
/// the service's API key and certificate, secret targets, rollback points, backups) and the folders that hold them.
/// On Windows, which has no such modes, files and folders are created plainly and nothing is checked.
/// </summary>
public static class OwnerOnly
{
    /// <summary>rw------- (0600): the mode every file holding a secret is written with.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>rwx------ (0700): the mode of the folders that hold them.</summary>
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="folder"/> (and its missing parents) owner-only; an existing folder keeps its mode.</summary>
    public static void CreateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, FolderMode);
        }
    }

    /// <summary>
    /// Opens a new file for writing that must not exist yet, created with <paramref name="mode"/>: owner-only by
    /// default; with null, the process's umask decides.
    /// </summary>
    public static FileStream CreateNew(string path, UnixFileMode? mode = FileMode) => Open(path, System.IO.FileMode.CreateNew, mode);

    /// <summary>Creates or truncates a file for writing; a file this creates is owner-only.</summary>
    public static FileStream Create(string path) => Open(path, System.IO.FileMode.Create, FileMode);

    /// <summary>Writes <paramref name="content"/> to a new owner-only file and flushes it to disk (not atomic: the file must not exist).</summary>
    public static void WriteNew(string path, ReadOnlySpan<byte> content)
    {
        using var stream = CreateNew(path);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    private static FileStream Open(string path, System.IO.FileMode fileMode, UnixFileMode? mode)
    {
        var options = new FileStreamOptions { Mode = fileMode, Access = FileAccess.Write };
        if (mode is { } m && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = m;
        }

        return new FileStream(path, options);
    }

    /// <summary>
    /// Null when the file at <paramref name="path"/> is closed to its group and others (or on Windows, which has no such
    /// mode); else a message naming the file, its mode and the chmod that fixes it.
    /// </summary>
    public static string? LooseModeMessage(string path, string what)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var mode = File.GetUnixFileMode(path);
        var loose = mode & ~FolderMode;
        if (loose == UnixFileMode.None)
        {
            return null;
        }

        var octal = Convert.ToString((int)mode, 8).PadLeft(4, '0');
        return $"The {what} '{path}' has mode {octal}, so others than its owner can read it; run `chmod 600 '{path}'`.";
    }

    /// <summary>True when the file at <paramref name="path"/> has exactly the owner-only mode (always true on Windows).</summary>
    public static bool HasOwnerOnlyMode(string path) => OperatingSystem.IsWindows() || File.GetUnixFileMode(path) == FileMode;

    /// <summary>
    /// Whether this process may create and rename files in <paramref name="folder"/> (write and search permission, as
    /// access(2) answers it: root passes, a read-only file system does not). Always true on Windows, where it is not checked.
    /// </summary>
    public static bool CanWriteIn(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        const int writeOk = 2, executeOk = 1;
        return Access(folder, writeOk | executeOk) == 0;
    }

    /// <summary>Whether this process may read <paramref name="file"/> (access(2) R_OK). Always true on Windows.</summary>
    public static bool CanRead(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        const int readOk = 4;
        return Access(file, readOk) == 0;
    }

    [DllImport("libc", EntryPoint = "access", SetLastError = true)]
    private static extern int Access([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);
}
