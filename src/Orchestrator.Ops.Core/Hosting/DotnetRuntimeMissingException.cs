namespace Orchestrator.Ops.Core.Hosting;

/// <summary>
/// A helper process (the sandbox, the monitoring service) needs a shared .NET framework that the dotnet host which
/// would run it does not have: typically the ASP.NET Core runtime on a machine where PowerShell was installed on its own.
/// </summary>
public sealed class DotnetRuntimeMissingException(
    string message,
    string framework,
    string requiredVersion,
    string? dotnetRoot,
    IReadOnlyList<string> installed) : Exception(message), IOpsError
{
    /// <summary>The framework's name, e.g. Microsoft.AspNetCore.App.</summary>
    public string Framework { get; } = framework;

    /// <summary>The lowest version the helper accepts (with its roll-forward policy, later majors may do too).</summary>
    public string RequiredVersion { get; } = requiredVersion;

    /// <summary>The .NET installation that was searched; null when no dotnet host was found at all.</summary>
    public string? DotnetRoot { get; } = dotnetRoot;

    /// <summary>What that installation has: "name version" for every shared framework found.</summary>
    public IReadOnlyList<string> Installed { get; } = installed;

    /// <summary>What to do, in a line: the commands that install the framework.</summary>
    public OpsErrorCode Code => OpsErrorCodes.DotnetRuntimeMissing;

    object? IOpsError.ErrorTarget => Framework;

    public string RecommendedAction { get; } = DotnetRuntimeCheck.InstallAdvice(framework, requiredVersion, dotnetRoot);
}
