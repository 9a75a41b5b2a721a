namespace Orchestrator.Ops.Core.Tests.Support;

/// <summary>What logrotate does to a log file, for the tests of the writers that must follow it.</summary>
public static class LogRotation
{
    /// <summary>
    /// Rotates <paramref name="path"/> to <paramref name="rotated"/> as logrotate does: <c>create</c> moves it and makes a
    /// new empty file, <c>move</c> only moves it, <c>copytruncate</c> copies it and empties it in place.
    /// </summary>
    public static void Rotate(string path, string rotated, string mode)
    {
        switch (mode)
        {
            case "create":
                File.Move(path, rotated);
                File.WriteAllBytes(path, []);
                break;
            case "move":
                File.Move(path, rotated);
                break;
            case "copytruncate":
                File.Copy(path, rotated);
                Truncate(path);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "create, move or copytruncate");
        }
    }

    /// <summary>Empties the file in place, as copytruncate does after its copy (the inode stays).</summary>
    public static void Truncate(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        file.SetLength(0);
    }
}
