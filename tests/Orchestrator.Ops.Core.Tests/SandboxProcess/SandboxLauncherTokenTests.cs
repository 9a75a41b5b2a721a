using System.Net;
using Orchestrator.Ops.Core.SandboxProcess;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.SandboxProcess;

public class SandboxLauncherTokenTests
{
    [Fact]
    public async Task TokenDirectory_is_passed_to_the_sandbox_so_its_instances_require_the_slot_token()
    {
        using var root = new TempFolder();
        var tokens = Path.Combine(root.Path, "tokens");
        Directory.CreateDirectory(tokens);
        await File.WriteAllTextAsync(Path.Combine(tokens, "blue.env"), "ROUTELLM_TOKEN=launcher-blue\n");
        var reporter = new RecordingReporter();
        var dll = Path.Combine(AppContext.BaseDirectory, "Orchestrator.Ops.Sandbox.dll");

        var info = await SandboxLauncher.StartAsync(
            new SandboxLaunchOptions { Root = Path.Combine(root.Path, "sandbox"), SandboxAssembly = dll, TokenDirectory = tokens },
            reporter, CancellationToken.None);
        try
        {
            var routellm = info.Instances.Single(i => i.Wrapper == "routellm" && i.Slot == "blue").BaseUrl;
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using (var refused = await client.GetAsync(new Uri(routellm, "/health")))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(routellm, "/health"));
            request.Headers.TryAddWithoutValidation("X-Api-Key", "launcher-blue");
            using var accepted = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }
        finally
        {
            Assert.True(await SandboxLauncher.StopAsync(info.Root, reporter, CancellationToken.None));
        }
    }
}
