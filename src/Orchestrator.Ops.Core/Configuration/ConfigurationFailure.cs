namespace Orchestrator.Ops.Core.Configuration;

/// <summary>Why a configuration could not be used.</summary>
public enum ConfigurationFailure
{
    /// <summary>No file given, or the file does not exist.</summary>
    NotFound,
    /// <summary>The file exists but cannot be read (permissions, I/O).</summary>
    Unreadable,
    /// <summary>The file was read but its content is wrong.</summary>
    Invalid,
}
