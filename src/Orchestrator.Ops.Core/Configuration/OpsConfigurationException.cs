namespace Orchestrator.Ops.Core.Configuration;

/// <summary>A configuration that cannot be used. Names the file, the JSON path and what is wrong.</summary>
public sealed class OpsConfigurationException : Exception, IOpsError
{
    public OpsConfigurationException(string file, IReadOnlyList<ConfigurationProblem> problems)
        : base(BuildMessage(file, problems))
    {
        File = file;
        Problems = problems;
        Reason = ConfigurationFailure.Invalid;
    }

    public OpsConfigurationException(string file, ConfigurationFailure reason, string message, Exception? inner = null)
        : base(message, inner)
    {
        File = file;
        Reason = reason;
        Problems = [new ConfigurationProblem(file, "$", message)];
    }

    /// <summary>Why the configuration could not be used.</summary>
    public ConfigurationFailure Reason { get; }

    public string File { get; }

    public IReadOnlyList<ConfigurationProblem> Problems { get; }

    public OpsErrorCode Code => Reason switch
    {
        ConfigurationFailure.NotFound => OpsErrorCodes.ConfigurationNotFound,
        ConfigurationFailure.Unreadable => OpsErrorCodes.ConfigurationUnreadable,
        _ => OpsErrorCodes.ConfigurationInvalid,
    };

    object? IOpsError.ErrorTarget => File;

    public string RecommendedAction => Reason == ConfigurationFailure.Invalid
        ? $"Run Test-OpsConfiguration -ConfigPath '{File}' to list every problem."
        : "Pass -ConfigPath, set $env:ORCHESTRATOR_OPS_CONFIG, or run Start-OpsSandbox.";

    private static string BuildMessage(string file, IReadOnlyList<ConfigurationProblem> problems)
    {
        if (problems.Count == 0)
        {
            return $"The ops configuration '{file}' is not valid.";
        }

        var first = problems[0];
        var where = first.Line is { } line ? $" (line {line})" : string.Empty;
        var more = problems.Count > 1
            ? $" {problems.Count - 1} more problem(s); run Test-OpsConfiguration -ConfigPath '{file}' to list them all."
            : string.Empty;
        return $"The ops configuration '{file}' is not valid: at {first.JsonPath}{where}: {first.Message}.{more}";
    }
}
