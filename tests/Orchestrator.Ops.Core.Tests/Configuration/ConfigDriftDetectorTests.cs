using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Configuration;

public sealed class ConfigDriftDetectorTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_changed_or_removed_file_has_drifted_and_an_untouched_one_has_not()
    {
        var path = _dir.Write("ops.json", ConfigText.Minimal);
        var detector = new ConfigDriftDetector(path);

        Assert.False(detector.HasDrifted());
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(5));
        Assert.False(detector.HasDrifted());

        File.WriteAllText(path, ConfigText.Minimal.Replace("\"opsRoot\": \".\"", "\"opsRoot\": \"./other\""));
        Assert.True(detector.HasDrifted());

        File.Delete(path);
        Assert.True(detector.HasDrifted());
    }
}
