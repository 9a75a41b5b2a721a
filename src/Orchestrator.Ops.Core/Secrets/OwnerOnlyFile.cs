using System.Runtime.InteropServices;

namespace Orchestrator.Ops.Core.Secrets;

/// <summary>What the vault and the secret targets share about files only their owner may read.</summary>
internal static class OwnerOnlyFile
{
    /// <summary>rw------- (0600): the mode every file holding a secret is written with.</summary>
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

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
        var loose = mode & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (loose == UnixFileMode.None)
        {
            return null;
        }

        var octal = Convert.ToString((int)mode, 8).PadLeft(4, '0');
        return $"The {what} '{path}' has mode {octal}, so others than its owner can read it; run `chmod 600 '{path}'`.";
    }

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
