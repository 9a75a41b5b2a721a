using System.Globalization;

namespace Orchestrator.Ops.Core;

/// <summary>
/// Crash-test support: when the environment variable <see cref="PauseVariable"/> names a point an operation reaches,
/// the process writes <c>paused-&lt;point&gt;</c> (its pid) into the given folder and stops there forever, so a test can
/// kill it with SIGKILL at exactly that point. Unset, it does nothing.
/// </summary>
internal static class TestHooks
{
    public const string PauseVariable = "ORCHESTRATOR_OPS_TEST_PAUSE_AT";

    public static bool IsAsked(string point) =>
        string.Equals(Environment.GetEnvironmentVariable(PauseVariable), point, StringComparison.OrdinalIgnoreCase);

    /// <summary>Blocks the calling thread forever after writing the marker, when asked to pause at <paramref name="point"/>.</summary>
    public static void PauseIfAsked(string point, string markerFolder)
    {
        if (!IsAsked(point))
        {
            return;
        }

        Directory.CreateDirectory(markerFolder);
        File.WriteAllText(Path.Combine(markerFolder, $"paused-{point}"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Thread.Sleep(Timeout.Infinite);
    }
}
