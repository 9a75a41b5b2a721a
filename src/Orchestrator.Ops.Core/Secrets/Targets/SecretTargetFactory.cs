using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Secrets.Targets;

/// <summary>Makes the target a configured <see cref="SecretTargetDefinition"/> describes.</summary>
public static class SecretTargetFactory
{
    /// <param name="definition">The target, as the configuration loader checked it.</param>
    /// <param name="strict">Target files others can read are errors rather than warnings (secrets.strict).</param>
    /// <param name="warn">Receives the warnings.</param>
    public static ISecretTarget Create(SecretTargetDefinition definition, bool strict, Action<string>? warn) =>
        Create(definition, strict, warn, null);

    /// <param name="definition">The target, as the configuration loader checked it.</param>
    /// <param name="strict">Target files others can read are errors rather than warnings (secrets.strict).</param>
    /// <param name="warn">Receives the warnings.</param>
    /// <param name="workingDirectory">Where a command target runs (the ops root); default the current directory.</param>
    public static ISecretTarget Create(SecretTargetDefinition definition, bool strict, Action<string>? warn, string? workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition.Kind switch
        {
            SecretTargetKind.EnvFile => new EnvFileTarget(Required(definition.Path, definition), Required(definition.Variable, definition), definition.PreviousVariable, strict, warn),
            SecretTargetKind.JsonFile => new JsonFileTarget(Required(definition.Path, definition), Required(definition.Property, definition), definition.PreviousProperty, strict, warn),
            SecretTargetKind.File => new FileTarget(Required(definition.Path, definition), definition.PreviousPath, strict, warn),
            SecretTargetKind.Command => new CommandTarget(definition.Command ?? throw Incomplete(definition), workingDirectory),
            _ => throw new ArgumentOutOfRangeException(nameof(definition), definition.Kind, "Not a kind of secret target."),
        };
    }

    private static string Required(string? value, SecretTargetDefinition definition) =>
        string.IsNullOrWhiteSpace(value) ? throw Incomplete(definition) : value;

    private static ArgumentException Incomplete(SecretTargetDefinition definition) =>
        new($"The {definition.Kind} target {definition.Display} lacks a field its kind needs.", nameof(definition));
}
