using Orchestrator.Ops.Core.Secrets;
using Orchestrator.Ops.Core.Secrets.Targets;

namespace Orchestrator.Ops.Core.Tests.Secrets;

/// <summary>What the secret target tests share: recognisable values, modes, and a folder made read-only for a while.</summary>
internal static class TargetTestKit
{
    public const string Current = "NEW-recognizable-7f3a9c1e5b2d4f60";
    public const string Previous = "OLD-recognizable-0a1b2c3d4e5f6a7b";

    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static SecretValue Value(string text) => SecretValue.FromString(text);

    public static UnixFileMode Mode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return OwnerOnly;
        }

        return File.GetUnixFileMode(path);
    }

    public static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    /// <summary>Asserts that neither value (nor the exception's inner ones) shows anywhere in <paramref name="e"/>.</summary>
    public static void AssertNoValue(Exception e)
    {
        var text = e.ToString();
        Assert.DoesNotContain(Current, text);
        Assert.DoesNotContain(Previous, text);
    }

    public static void Apply(ISecretTarget target, string current, string? previous) =>
        target.ApplyAsync(Value(current), previous is null ? null : Value(previous), CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>
    /// Makes <paramref name="folder"/> r-x for its owner (chmod 500) until disposed. <see cref="Enforced"/> is false when the
    /// process ignores modes (root does): then a write there still succeeds and assertions that it fails must be skipped.
    /// </summary>
    public sealed class ReadOnlyFolder : IDisposable
    {
        private readonly string _folder;
        private readonly UnixFileMode _before;

        public ReadOnlyFolder(string folder)
        {
            _folder = folder;
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            _before = File.GetUnixFileMode(folder);
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            Enforced = !CanWrite(folder);
            if (!Enforced && Chattr("+i", folder))
            {
                // Root ignores modes; the immutable attribute stops root too (where the process may set it).
                _immutable = true;
                Enforced = !CanWrite(folder);
            }
        }

        private readonly bool _immutable;

        /// <summary>Whether writes in the folder now fail for this process; false when nothing could make them fail.</summary>
        public bool Enforced { get; }

        /// <summary>Why a test that needs <see cref="Enforced"/> cannot run here.</summary>
        public const string NotEnforcedReason =
            "Running as root where the immutable attribute cannot be set (chattr +i): no file mode stops this process writing.";

        public void Dispose()
        {
            if (!OperatingSystem.IsWindows())
            {
                if (_immutable)
                {
                    Chattr("-i", _folder);
                }

                File.SetUnixFileMode(_folder, _before);
            }
        }

        private static bool CanWrite(string folder)
        {
            var probe = Path.Combine(folder, ".probe-" + Guid.NewGuid().ToString("N"));
            try
            {
                File.WriteAllText(probe, string.Empty);
                File.Delete(probe);
                return true;
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                return false;
            }
        }

        private static bool Chattr(string flag, string path)
        {
            try
            {
                return Core.IO.ChildProcess.RunAsync(["chattr", flag, path], new Core.IO.ChildProcessOptions { Timeout = TimeSpan.FromSeconds(10) }, default)
                    .GetAwaiter().GetResult().Succeeded;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }
    }
}
