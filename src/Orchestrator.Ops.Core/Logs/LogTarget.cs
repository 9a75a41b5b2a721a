namespace Orchestrator.Ops.Core.Logs;

/// <summary>One requested log: its name (or the path given), the file that grows, and its files oldest first.</summary>
/// <param name="Log">The name (application, ...) or the path as given.</param>
/// <param name="CurrentPath">The file -Wait follows: the log's current file, or the path.</param>
/// <param name="Files">Its existing files, oldest first (rotated siblings, then the current file).</param>
internal sealed record LogTarget(string Log, string CurrentPath, IReadOnlyList<string> Files, bool IsName);
