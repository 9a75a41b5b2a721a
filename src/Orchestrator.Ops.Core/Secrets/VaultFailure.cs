namespace Orchestrator.Ops.Core.Secrets;

/// <summary>Why a vault operation failed; a cmdlet maps each to its own ErrorId.</summary>
public enum VaultFailure
{
    /// <summary>The key does not open the vault (its key check in the header differs). Nothing was written.</summary>
    WrongKey,

    /// <summary>The vault file was changed or damaged: the GCM tag or the header's structure does not verify. Nothing was written.</summary>
    Tampered,

    /// <summary>Another writer holds the vault's lock past the wait.</summary>
    Locked,

    /// <summary>The vault or key file can be read by others than its owner, and strict mode is on.</summary>
    LoosePermissions,

    /// <summary>The file is not a vault, or is a vault of a format or algorithm this version does not read.</summary>
    UnsupportedFormat,

    /// <summary>No key source gave a key: no environment variable, no key file, no passphrase.</summary>
    KeyMissing,

    /// <summary>A key source gave something that is not a base64 32-byte key.</summary>
    InvalidKey,

    /// <summary>Reading or writing a file failed.</summary>
    Io,
}
