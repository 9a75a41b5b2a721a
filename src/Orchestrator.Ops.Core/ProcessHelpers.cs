using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Orchestrator.Ops.Core;

/// <summary>What the launchers of the sandbox and the service share: finding dotnet, watching and ending processes.</summary>
internal static class ProcessHelpers
{
    public static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Asks a process to terminate gracefully (SIGTERM) where the platform has signals.</summary>
    public static void TrySignalTerminate(Process process)
    {
        if (!OperatingSystem.IsWindows() && !process.HasExited)
        {
            _ = Kill(process.Id, 15);
        }
    }

    /// <summary>Collects a started process's standard error (after BeginErrorReadLine) into a buffer safe to read at any time.</summary>
    public static SynchronizedText CollectStandardError(Process process)
    {
        var text = new SynchronizedText();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                text.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return text;
    }

    /// <summary>The dotnet host that runs our helper processes: the one running us when we run under dotnet, else DOTNET_ROOT's, else the runtime's own, else dotnet on PATH.</summary>
    public static string FindDotnet() =>
        FindDotnet(Environment.GetEnvironmentVariable, Environment.ProcessPath, RuntimeEnvironment.GetRuntimeDirectory(), OperatingSystem.IsWindows());

    /// <summary>
    /// <see cref="FindDotnet()"/> over what it reads: DOTNET_HOST_PATH when it names a file; this process when it is
    /// dotnet; DOTNET_ROOT's host; the host of the installation whose runtime folder is <paramref name="runtimeDirectory"/>
    /// (&lt;root&gt;/shared/Microsoft.NETCore.App/&lt;version&gt;/); else the bare name, for PATH.
    /// </summary>
    internal static string FindDotnet(Func<string, string?> environment, string? processPath, string runtimeDirectory, bool windows)
    {
        var exe = windows ? "dotnet.exe" : "dotnet";
        if (environment("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        if (processPath is { } self && Path.GetFileName(self).Equals(exe, StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        // Where .NET is installed when the host is not the one running us (pwsh installed on its own is self-contained).
        if (environment("DOTNET_ROOT") is { Length: > 0 } root && Path.Combine(root, exe) is var rooted && File.Exists(rooted))
        {
            return rooted;
        }

        var candidate = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", "..", exe));
        return File.Exists(candidate) ? candidate : exe;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>A string builder several threads may append to while another reads it.</summary>
    internal sealed class SynchronizedText
    {
        private readonly StringBuilder _text = new();

        public void AppendLine(string line)
        {
            lock (_text)
            {
                _text.AppendLine(line);
            }
        }

        public override string ToString()
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }
}
