using System.Management.Automation;
using Orchestrator.Ops.Core.Secrets;
using Orchestrator.Ops.PowerShell.Tests.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Tests;

/// <summary>
/// A vault nobody gave a key or passphrase for, opened where nobody can answer a prompt: the secret cmdlets fail at
/// once with VaultKeyMissing, naming the vault and the three ways to unlock it, and never ask.
/// </summary>
public sealed class NoPromptVaultTests : IDisposable
{
    private const string Passphrase = "correct horse battery staple 7";

    /// <summary>Far below the bound of a hang: opening the engine and reading a vault header take well under a second.</summary>
    private static readonly TimeSpan AtOnce = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ops-ps-noprompt-vault-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string? _environmentKey = Environment.GetEnvironmentVariable(VaultKey.EnvironmentVariable);
    private readonly FailingPromptHost _host = new();
    private readonly PowerShellSession _ps;

    public NoPromptVaultTests()
    {
        // The variable would unlock (or refuse) the vault before anything else is looked at.
        Environment.SetEnvironmentVariable(VaultKey.EnvironmentVariable, null);
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "ops.json"), """
            {
              "wrappers": [ { "name": "routellm", "kind": "routellm" } ],
              "slots": { "blue": { "routellm": "http://127.0.0.1:9" } },
              "secrets": {
                "items": [ { "name": "db-password", "source": "generate", "targets": [ { "type": "file", "path": "app/db-password" } ] } ]
              }
            }
            """);
        _ps = new PowerShellSession(_dir, _host);
        _ps.SetVariable("Passphrase", Passphrase);
    }

    public void Dispose()
    {
        _ps.Dispose();
        Environment.SetEnvironmentVariable(VaultKey.EnvironmentVariable, _environmentKey);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private string VaultPath => Path.Combine(_dir, "secrets", "vault.bin");

    private string KeyFile => Path.Combine(_dir, "secrets", "vault.key");

    private BoundedInvocation Run(string script)
    {
        _host.CurrentInvocation = script;
        var run = _ps.InvokeWithin(Bound, script);
        Assert.False(run.TimedOut, $"'{script}' hung: {run.Describe()}");
        return run;
    }

    /// <summary>The one VaultKeyMissing error of the run, terminating or not, checked for what every such error must carry.</summary>
    private ErrorRecord KeyMissing(BoundedInvocation run, string command)
    {
        var error = Assert.Single(run.Errors.Concat(run.Failure is null ? [] : [run.Failure.ErrorRecord]));
        Assert.Equal($"VaultKeyMissing,Orchestrator.Ops.PowerShell.Commands.{command}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Equal(VaultPath, error.TargetObject);
        var message = error.Exception.Message;
        Assert.Contains($"'{VaultPath}'", message);
        Assert.Contains("ORCHESTRATOR_OPS_VAULT_KEY", message);
        Assert.Contains("secrets.keyFile", message);
        Assert.Contains($"'{KeyFile}'", message);
        Assert.Contains("-VaultPassphrase", message);
        Assert.DoesNotContain(Passphrase, error.ToString());
        Assert.InRange(run.Elapsed, TimeSpan.Zero, AtOnce);
        Assert.True(_host.Prompts.Count == 0, "prompted:\n" + string.Join("\n", _host.Prompts));
        return error;
    }

    [Fact]
    public void A_passphrase_vault_opened_with_nothing_fails_at_once_naming_the_three_ways_and_asks_nothing()
    {
        // -VaultPassphrase on the first write locks the new vault with it: no key file is made beside it.
        var created = Run("Update-Secret -ConfigPath ./ops.json -Name db-password -VaultPassphrase (ConvertTo-SecureString $Passphrase -AsPlainText -Force) -Confirm:$false");
        Assert.True(created.Succeeded, created.Describe());
        Assert.Equal(SecretRotationOutcome.Created, ((SecretRotationResult)Assert.Single(created.Output).BaseObject).Outcome);
        Assert.False(File.Exists(KeyFile));
        Assert.Contains("\"kdf\":\"PBKDF2-SHA256\"", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(VaultPath)), StringComparison.Ordinal);

        var metadata = KeyMissing(Run("Get-ManagedSecret -ConfigPath ./ops.json"), "GetManagedSecretCommand");
        Assert.Contains("is locked with a passphrase", metadata.Exception.Message);
        KeyMissing(Run("Get-ManagedSecret -ConfigPath ./ops.json -Name db-password -AsPlainText"), "GetManagedSecretCommand");
        KeyMissing(Run("Update-Secret -ConfigPath ./ops.json -Name db-password -Confirm:$false"), "UpdateSecretCommand");
        KeyMissing(Run("Update-Secret -ConfigPath ./ops.json -CompleteExpired -Force -Confirm:$false"), "UpdateSecretCommand");

        // The vault is sound: the passphrase it was asked for opens it.
        var opened = Run("Get-ManagedSecret -ConfigPath ./ops.json -Name db-password -VaultPassphrase (ConvertTo-SecureString $Passphrase -AsPlainText -Force)");
        Assert.True(opened.Succeeded, opened.Describe());
        Assert.Equal(1, ((ManagedSecretInfo)Assert.Single(opened.Output).BaseObject).CurrentVersion);
        Assert.Empty(_host.Prompts);
    }

    [Fact]
    public void A_key_vault_whose_key_file_is_gone_says_it_needs_the_key_not_a_passphrase()
    {
        var created = Run("Update-Secret -ConfigPath ./ops.json -Name db-password -Confirm:$false");
        Assert.True(created.Succeeded, created.Describe());
        Assert.True(File.Exists(KeyFile));
        File.Move(KeyFile, Path.Combine(_dir, "vault.key.elsewhere"));

        var error = KeyMissing(Run("Get-ManagedSecret -ConfigPath ./ops.json"), "GetManagedSecretCommand");

        Assert.Contains("is locked with a key", error.Exception.Message);
        Assert.Contains("-VaultPassphrase unlocks only a vault locked with a passphrase", error.Exception.Message);
    }
}
