using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Orchestrator.Ops.Sandbox.Tests;

public class ProcessModeTests
{
    [Fact]
    public async Task Process_writes_manifest_serves_requests_and_exits_0_on_control_shutdown()
    {
        using var root = new TempDir();
        using var sandbox = SandboxProcess.Start("--root", root.Path, "--seed", "11", "--bench-endpoints", "3", "--bench-hang", "1");

        var manifest = await sandbox.WaitForManifestAsync(root.Path);

        Assert.Equal(sandbox.Process.Id, manifest.GetProperty("pid").GetInt32());
        var controlUrl = manifest.GetProperty("controlUrl").GetString()!;
        Assert.StartsWith("http://127.0.0.1:", controlUrl);
        Assert.True(manifest.GetProperty("startedAt").TryGetDateTime(out var startedAt));
        Assert.True((DateTime.UtcNow - startedAt.ToUniversalTime()).Duration() < TimeSpan.FromMinutes(5));
        var benchBaseUrl = manifest.GetProperty("benchBaseUrl").GetString()!;
        var instances = manifest.GetProperty("instances").EnumerateArray().ToList();
        Assert.Equal(6, instances.Count);
        foreach (var instance in instances)
        {
            var port = instance.GetProperty("port").GetInt32();
            Assert.Equal($"http://127.0.0.1:{port}", instance.GetProperty("baseUrl").GetString());
            Assert.False(string.IsNullOrEmpty(instance.GetProperty("wrapper").GetString()));
            Assert.False(string.IsNullOrEmpty(instance.GetProperty("kind").GetString()));
            Assert.Contains(instance.GetProperty("slot").GetString(), new[] { "blue", "green" });
        }

        using var client = TestSupport.NewClient();
        var poml = instances.Single(i => i.GetProperty("wrapper").GetString() == "poml" && i.GetProperty("slot").GetString() == "green");
        using (var health = await client.GetAsync(poml.GetProperty("baseUrl").GetString() + "/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("1.1.0", (await health.ReadJsonAsync()).GetProperty("version").GetString());
        }

        using (var bench = await client.GetAsync(benchBaseUrl + "/e/2/health"))
        {
            Assert.Equal(HttpStatusCode.OK, bench.StatusCode);
        }

        using (var state = await client.GetAsync(controlUrl + "/control/state"))
        {
            Assert.Equal(HttpStatusCode.OK, state.StatusCode);
            Assert.Equal(6, (await state.ReadJsonAsync()).GetArrayLength());
        }

        using (var shutdown = await client.PostAsync(controlUrl + "/control/shutdown", null))
        {
            Assert.Equal(HttpStatusCode.OK, shutdown.StatusCode);
        }

        Assert.Equal(0, await sandbox.WaitForExitAsync());
        Assert.False(File.Exists(Path.Combine(root.Path, "sandbox.json")), "sandbox.json must be deleted on graceful shutdown");
        Assert.Empty(Directory.GetFiles(root.Path, "*.tmp"));
        var log = await File.ReadAllLinesAsync(Path.Combine(root.Path, "logs", "sandbox-requests.log"));
        Assert.Contains(log, l => l.Contains(" [INF] poml green GET /health 200 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sigterm_stops_gracefully_with_exit_code_0()
    {
        using var root = new TempDir();
        using var sandbox = SandboxProcess.Start("--root", root.Path);
        await sandbox.WaitForManifestAsync(root.Path);

        using (var kill = Process.Start("kill", ["-TERM", sandbox.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
            Assert.Equal(0, kill.ExitCode);
        }

        Assert.Equal(0, await sandbox.WaitForExitAsync());
        Assert.False(File.Exists(Path.Combine(root.Path, "sandbox.json")));
    }

    [Fact]
    public async Task Exits_when_the_parent_process_dies()
    {
        using var root = new TempDir();
        using var parent = Process.Start("sleep", "300");
        try
        {
            using var sandbox = SandboxProcess.Start("--root", root.Path, "--parent-pid", parent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await sandbox.WaitForManifestAsync(root.Path);
            Assert.False(sandbox.Process.HasExited);

            parent.Kill();
            await parent.WaitForExitAsync();

            Assert.Equal(0, await sandbox.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.False(File.Exists(Path.Combine(root.Path, "sandbox.json")));
        }
        finally
        {
            if (!parent.HasExited)
            {
                parent.Kill();
            }
        }
    }

    [Fact]
    public async Task Token_dir_makes_the_instances_require_the_token_from_the_slot_env_file()
    {
        using var root = new TempDir();
        using var tokens = new TempDir();
        TokenSupport.WriteEnv(tokens.Path, "green", "POML_TOKEN=poml-green-token");
        using var sandbox = SandboxProcess.Start("--root", root.Path, "--token-dir", tokens.Path);

        var manifest = await sandbox.WaitForManifestAsync(root.Path);
        var controlUrl = manifest.GetProperty("controlUrl").GetString()!;
        var instances = manifest.GetProperty("instances").EnumerateArray().ToList();
        string Url(string wrapper, string slot) => instances.Single(i =>
            i.GetProperty("wrapper").GetString() == wrapper && i.GetProperty("slot").GetString() == slot).GetProperty("baseUrl").GetString() + "/health";

        using var client = TestSupport.NewClient();
        Assert.Equal(401, await client.StatusAsync(Url("poml", "green"), null));
        Assert.Equal(200, await client.StatusAsync(Url("poml", "green"), "poml-green-token"));
        Assert.Equal(401, await client.StatusAsync(Url("poml", "blue"), "poml-green-token"));

        TokenSupport.WriteEnv(tokens.Path, "blue", "POML_TOKEN=poml-blue-token");
        await TokenSupport.EventuallyAsync(async () => await client.StatusAsync(Url("poml", "blue"), "poml-blue-token") == 200, "blue.env picked up");

        using (var state = await client.GetAsync(controlUrl + "/control/state"))
        {
            Assert.All((await state.ReadJsonAsync()).EnumerateArray(), e => Assert.True(e.GetProperty("authRequired").GetBoolean()));
        }

        using (var shutdown = await client.PostAsync(controlUrl + "/control/shutdown", null))
        {
            Assert.Equal(HttpStatusCode.OK, shutdown.StatusCode);
        }

        Assert.Equal(0, await sandbox.WaitForExitAsync());
        sandbox.Process.WaitForExit();
        Assert.DoesNotContain("poml-green-token", sandbox.Stdout + sandbox.Stderr, StringComparison.Ordinal);
        var log = await File.ReadAllTextAsync(Path.Combine(root.Path, "logs", "sandbox-requests.log"));
        Assert.Contains(" poml green GET /health 401 ", log, StringComparison.Ordinal);
        Assert.DoesNotContain("token", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_dir_that_is_missing_or_a_file_is_a_clear_error()
    {
        using var root = new TempDir();
        var missing = Path.Combine(root.Path, "no-such-folder");
        using (var sandbox = SandboxProcess.Start("--root", root.Path, "--token-dir", missing))
        {
            Assert.Equal(2, await sandbox.WaitForExitAsync());
            sandbox.Process.WaitForExit();
            Assert.Contains($"error: --token-dir '{missing}' does not exist", sandbox.Stderr, StringComparison.Ordinal);
        }

        var file = Path.Combine(root.Path, "a-file");
        await File.WriteAllTextAsync(file, "ROUTELLM_TOKEN=x\n");
        using (var sandbox = SandboxProcess.Start("--root", root.Path, "--token-dir", file))
        {
            Assert.Equal(2, await sandbox.WaitForExitAsync());
            sandbox.Process.WaitForExit();
            Assert.Contains($"error: --token-dir '{file}' is a file, not a folder", sandbox.Stderr, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(Path.Combine(root.Path, "sandbox.json")));
    }

    public static TheoryData<string[]> BadArguments => new()
    {
        Array.Empty<string>(),
        new[] { "--root" },
        new[] { "--root", "{root}", "--host", "10.1.2.3" },
        new[] { "--root", "{root}", "--host", "not-an-ip" },
        new[] { "--root", "{root}", "--bench-endpoints", "many" },
        new[] { "--root", "{root}", "--bench-endpoints", "2", "--bench-hang", "5" },
        new[] { "--root", "{root}", "--seed" },
        new[] { "--root", "{root}", "--frobnicate" },
        new[] { "--root", "{root}", "--parent-pid", "2147483000" },
        new[] { "--root", "{root}", "--token-dir" },
        new[] { "--root", "{root}", "--token-dir", "{root}/no-such-folder" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task Bad_arguments_exit_2_with_a_message_on_stderr(string[] args)
    {
        using var root = new TempDir();
        using var sandbox = SandboxProcess.Start(args.Select(a => a.Replace("{root}", root.Path, StringComparison.Ordinal)).ToArray());

        Assert.Equal(2, await sandbox.WaitForExitAsync());
        sandbox.Process.WaitForExit(); // drain redirected output
        Assert.Contains("error:", sandbox.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root.Path, "sandbox.json")));
    }
}
