namespace Orchestrator.Ops.Core.Configuration;

/// <summary>Where a managed secret's value comes from when it is rotated.</summary>
public enum SecretSource
{
    /// <summary>Update-Secret -Generate (or -All) makes a cryptographically random value.</summary>
    Generate,

    /// <summary>The value is issued elsewhere (a provider's API key) and comes in with Update-Secret -Value; -All reports it as due.</summary>
    External,
}

/// <summary>The kinds of place a secret's value is written to.</summary>
public enum SecretTargetKind
{
    /// <summary><c>KEY=value</c> lines as systemd's EnvironmentFile reads them; the previous value, during the grace period, as <c>KEY_PREVIOUS</c>.</summary>
    EnvFile,

    /// <summary>A property of a JSON file, addressed by a dotted path (<c>auth.token</c>); optionally the previous value at another path.</summary>
    JsonFile,

    /// <summary>A file holding the value alone; optionally the previous value in a second file.</summary>
    File,

    /// <summary>A command that receives the value on standard input (never on its command line).</summary>
    Command,
}

/// <summary>One place a secret's value goes. Paths are absolute once loaded.</summary>
public sealed record SecretTargetDefinition
{
    public required SecretTargetKind Kind { get; init; }

    /// <summary>The file (EnvFile, JsonFile, File); null for Command.</summary>
    public string? Path { get; init; }

    /// <summary>EnvFile: the variable name (<c>ROUTELLM_TOKEN</c>).</summary>
    public string? Variable { get; init; }

    /// <summary>EnvFile: the variable carrying the previous value during the grace period; default <c>&lt;Variable&gt;_PREVIOUS</c>.</summary>
    public string? PreviousVariable { get; init; }

    /// <summary>JsonFile: the dotted property path of the value (<c>auth.token</c>).</summary>
    public string? Property { get; init; }

    /// <summary>JsonFile: the dotted property path of the previous value during the grace period; null keeps none.</summary>
    public string? PreviousProperty { get; init; }

    /// <summary>File: the file holding the previous value during the grace period; null keeps none.</summary>
    public string? PreviousPath { get; init; }

    /// <summary>Command: the program and its arguments (no shell) and its timeout; the value comes on standard input.</summary>
    public CommandSettings? Command { get; init; }

    /// <summary>A short description for output and errors, never holding a value.</summary>
    public string Display => Kind switch
    {
        SecretTargetKind.EnvFile => $"env file {Path} ({Variable})",
        SecretTargetKind.JsonFile => $"JSON file {Path} ({Property})",
        SecretTargetKind.File => $"file {Path}",
        SecretTargetKind.Command => $"command {Command?.Display}",
        _ => Kind.ToString(),
    };
}

/// <summary>One secret the module manages: how its value is made, where it goes, and what proves a new value works.</summary>
public sealed record ManagedSecretDefinition
{
    /// <summary>The secret's name in the vault (lower-case letters, digits, dashes).</summary>
    public required string Name { get; init; }

    public SecretSource Source { get; init; } = SecretSource.Generate;

    /// <summary>Generated values: this many characters from [A-Za-z0-9].</summary>
    public int Length { get; init; } = 40;

    /// <summary>How long the previous value stays valid after a rotation; null takes <see cref="SecretSettings.GracePeriod"/>.</summary>
    public TimeSpan? GracePeriod { get; init; }

    /// <summary>Age after which -All -OlderThan's default calls it due; null takes <see cref="SecretSettings.RotateAfter"/>.</summary>
    public TimeSpan? RotateAfter { get; init; }

    /// <summary>Wrappers that authenticate with this secret: their probes send it as a bearer token, and rotation tests them with the new value.</summary>
    public IReadOnlyList<string> Wrappers { get; init; } = [];

    public IReadOnlyList<SecretTargetDefinition> Targets { get; init; } = [];

    /// <summary>An optional check run during the test step; the new value comes on its standard input.</summary>
    public CommandSettings? TestCommand { get; init; }

    /// <summary>True for the monitoring service's own API key (the built-in <c>service-api-key</c>).</summary>
    public bool IsServiceApiKey { get; init; }
}

/// <summary>The vault and the managed secrets.</summary>
public sealed record SecretSettings
{
    /// <summary>The name of the built-in secret holding the service's API key.</summary>
    public const string ServiceApiKeyName = "service-api-key";

    /// <summary>The vault file (absolute once loaded); default &lt;opsRoot&gt;/secrets/vault.bin.</summary>
    public required string VaultPath { get; init; }

    /// <summary>The key file (absolute once loaded); default &lt;opsRoot&gt;/secrets/vault.key, created with a new vault when no other key is given.</summary>
    public required string KeyFile { get; init; }

    /// <summary>Vault, key and target files others can read are errors, not warnings.</summary>
    public bool Strict { get; init; }

    /// <summary>How long a previous value stays valid after a rotation (default 24 h).</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The age after which a secret is due (the runbook's monthly rotation: 30 days).</summary>
    public TimeSpan RotateAfter { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Whether the service's API key is the managed secret <see cref="ServiceApiKeyName"/> (default true).</summary>
    public bool ManageServiceApiKey { get; init; } = true;

    /// <summary>The configured secrets, plus the service API key when managed.</summary>
    public IReadOnlyList<ManagedSecretDefinition> Items { get; init; } = [];

    public ManagedSecretDefinition? Find(string name) =>
        Items.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The secret whose value authenticates <paramref name="wrapper"/>, if any.</summary>
    public ManagedSecretDefinition? ForWrapper(string wrapper) =>
        Items.FirstOrDefault(i => i.Wrappers.Contains(wrapper, StringComparer.OrdinalIgnoreCase));
}
