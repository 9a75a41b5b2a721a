using System.Security.Cryptography;

namespace Orchestrator.Ops.Core.Configuration;

/// <summary>
/// Notices when the configuration file on disk no longer matches the one a long-running process loaded
/// (the runbook's "configuration drift"): someone changed it and the running service does not know yet.
/// </summary>
public sealed class ConfigDriftDetector
{
    private readonly string _path;
    private readonly string? _loadedHash;

    public ConfigDriftDetector(string path)
    {
        _path = path;
        _loadedHash = Hash(path);
    }

    /// <summary>True when the file's content differs from what was loaded, or it can no longer be read.</summary>
    public bool HasDrifted() => !string.Equals(Hash(_path), _loadedHash, StringComparison.Ordinal);

    private static string? Hash(string path)
    {
        try
        {
            return Sha256Hex.OfFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
