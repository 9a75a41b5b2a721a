namespace Orchestrator.Ops.Core.Secrets;

/// <summary>Where a vault key came from, in the order <see cref="VaultKey.Resolve(string?, Func{string?}?, bool, Action{string}?)"/> tries them.</summary>
public enum VaultKeySource
{
    /// <summary>The ORCHESTRATOR_OPS_VAULT_KEY environment variable (base64 of 32 bytes).</summary>
    Environment,

    /// <summary>A key file named in configuration (base64 of 32 bytes, mode 0600).</summary>
    KeyFile,

    /// <summary>A passphrase, stretched with PBKDF2-HMAC-SHA256 and the vault's own salt.</summary>
    Passphrase,
}
