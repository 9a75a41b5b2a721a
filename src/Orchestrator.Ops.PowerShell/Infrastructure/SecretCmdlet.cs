using System.Management.Automation;
using System.Management.Automation.Host;
using System.Runtime.InteropServices;
using System.Security;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Secrets;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>
/// A cmdlet that opens the vault. The key comes from $env:ORCHESTRATOR_OPS_VAULT_KEY, the configured key file, or a
/// passphrase (-VaultPassphrase, or asked for once when the vault is locked with one, nothing else unlocks it and
/// <see cref="PromptPolicy"/> says a person is at the console). Everywhere else nothing is asked: the command fails at
/// once with VaultKeyMissing, naming the three ways to unlock the vault, so scheduled scripts never hang.
/// </summary>
public abstract class SecretCmdlet : OpsConfigCmdlet
{
    /// <summary>The vault passphrase, when the vault is locked with one rather than a key.</summary>
    [Parameter]
    public SecureString? VaultPassphrase { get; set; }

    /// <summary>Engine options carrying the passphrase, asked for here on the pipeline thread when it is needed.</summary>
    protected OpsEngineOptions EngineOptions(OpsConfig config)
    {
        string? passphrase = null;
        if (VaultPassphrase is not null)
        {
            passphrase = Reveal(VaultPassphrase);
            if (passphrase.Length == 0)
            {
                // An empty passphrase would lock nothing and, on a new vault, quietly fall back to a key file.
                ThrowTerminatingError(ErrorRecordFor(OpsErrorCodes.VaultPassphraseEmpty,
                    new PSArgumentException("-VaultPassphrase is empty. Give the vault's passphrase, or leave -VaultPassphrase out to unlock it with $env:ORCHESTRATOR_OPS_VAULT_KEY or the key file named by secrets.keyFile."),
                    config.Secrets.VaultPath));
            }
        }
        else if (!VaultAccess.HasUnattendedKey(config.Secrets) && VaultAccess.IsLockedWithPassphrase(config.Secrets.VaultPath) && PromptPolicy.CanPrompt(Host.Name))
        {
            try
            {
                Host.UI.Write($"Passphrase of the vault {config.Secrets.VaultPath}: ");
                using var answer = Host.UI.ReadLineAsSecureString();
                passphrase = Reveal(answer);
            }
            catch (Exception e) when (e is PSInvalidOperationException or HostException or NotImplementedException)
            {
                passphrase = null;
            }
        }

        return new OpsEngineOptions
        {
            Passphrase = passphrase is null ? null : () => passphrase,
            Warn = WriteWarningSafe,
        };
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _warnings = new();

    private void WriteWarningSafe(string message) => _warnings.Enqueue(message);

    /// <summary>Writes the warnings the engine raised off the pipeline thread.</summary>
    protected void FlushWarnings()
    {
        while (_warnings.TryDequeue(out var w))
        {
            WriteWarning(w);
        }
    }

    protected static string Reveal(SecureString secure)
    {
        var ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            return Marshal.PtrToStringUni(ptr) ?? string.Empty;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }

    protected static SecureString ToSecureString(SecretValue value)
    {
        var secure = new SecureString();
        foreach (var c in value.RevealString())
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }
}
