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
/// passphrase (-VaultPassphrase, or asked for once in an interactive session when the vault exists and nothing else
/// unlocks it; never asked for in a non-interactive one, so scheduled scripts fail fast instead of hanging).
/// </summary>
public abstract class SecretCmdlet : OpsConfigCmdlet
{
    /// <summary>The vault passphrase, when the vault is locked with one rather than a key.</summary>
    [Parameter]
    public SecureString? VaultPassphrase { get; set; }

    /// <summary>Who is acting, as recorded on versions and in the journal.</summary>
    protected static string Actor => $"{Environment.UserName}@{Environment.MachineName}";

    /// <summary>Engine options carrying the passphrase, asked for here on the pipeline thread when it is needed.</summary>
    protected OpsEngineOptions EngineOptions(OpsConfig config)
    {
        string? passphrase = null;
        if (VaultPassphrase is not null)
        {
            passphrase = Reveal(VaultPassphrase);
        }
        else if (!VaultAccess.HasUnattendedKey(config.Secrets) && File.Exists(config.Secrets.VaultPath) && IsInteractive())
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

    private bool IsInteractive()
    {
        if (Environment.GetCommandLineArgs().Any(a => a.StartsWith("-noni", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        return Host.Name is not "Default Host" && !Console.IsInputRedirected;
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
