namespace Orchestrator.Ops.Core.State;

/// <summary>Why the store could not be used.</summary>
public enum StateStoreFailure
{
    /// <summary>Another process holds a lock longer than the busy timeout.</summary>
    Locked,
    /// <summary>The file is not a database, or is damaged.</summary>
    Corrupt,
    /// <summary>The store was written by a newer version of Orchestrator.Ops.</summary>
    TooNew,
    /// <summary>The file or its folder cannot be opened or created.</summary>
    Unavailable,
}
