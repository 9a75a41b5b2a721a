namespace Orchestrator.Ops.Core.Secrets;

/// <summary>
/// What a rotation request may carry (a request token's characters, a given value's shape) and the refusal of a second
/// rotation while one is under way. Every message names the secret and says nothing was changed; none holds a value.
/// </summary>
internal static class SecretRequestRules
{
    /// <summary>The longest value a target can take: env files and headers carry it on one line.</summary>
    public const int MaxValueLength = 65_536;

    public static void ValidateToken(string token, string name)
    {
        if (token.Length is 0 or > 128 || token.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new SecretException(SecretFailure.RequestTokenMismatch, name, "A request token is 1 to 128 letters, digits, '-', '_' or '.'.");
        }
    }

    public static void ValidateValue(SecretValue value, string name)
    {
        var text = value.RevealString();
        if (text.Length == 0 || string.IsNullOrWhiteSpace(text))
        {
            throw new SecretException(SecretFailure.InvalidValue, name, $"The value given for '{name}' is empty. Nothing was changed.");
        }

        if (text.Any(char.IsControl))
        {
            throw new SecretException(SecretFailure.InvalidValue, name, $"The value given for '{name}' holds control characters (a line break?), which env files and headers cannot carry. Nothing was changed.");
        }

        if (text.Length > MaxValueLength)
        {
            throw new SecretException(SecretFailure.InvalidValue, name, $"The value given for '{name}' is longer than 65536 characters. Nothing was changed.");
        }
    }

    /// <summary>
    /// The refusal of a rotation while another holds the secret: the running one's token to resume it with, or (no
    /// <paramref name="token"/>) a Pending version that no journal entry owns.
    /// </summary>
    public static SecretException InProgress(string name, string? token, string? by, SecretRotationStep? step) =>
        new(SecretFailure.RotationInProgress, name, token is null
            ? $"The secret '{name}' already has a Pending version that no recorded rotation owns. Nothing was changed."
            : $"The secret '{name}' is already being rotated (request token {token}, started by {by}, at step {step}). Nothing was changed. Resume that rotation with Update-Secret -Name {name} -RequestToken {token}; it finishes or reverts.");
}
