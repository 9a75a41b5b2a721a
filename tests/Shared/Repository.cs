namespace Orchestrator.Ops.Tests.Shared;

/// <summary>The repository the tests run from: the folder above the test binaries that holds Orchestrator.Ops.sln.</summary>
public static class Repository
{
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orchestrator.Ops.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Orchestrator.Ops.sln) is not above " + AppContext.BaseDirectory);
    });

    public static string Root => RootFolder.Value;
}
