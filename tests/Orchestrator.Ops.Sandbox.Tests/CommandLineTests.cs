namespace Orchestrator.Ops.Sandbox.Tests;

public class CommandLineTests
{
    [Fact]
    public void Parses_every_option()
    {
        var parsed = SandboxCommandLine.Parse(
            ["--root", "/tmp/x", "--host", "::1", "--bench-endpoints", "10", "--bench-hang", "4", "--seed", "-3", "--parent-pid", "77"],
            out var error);

        Assert.Null(error);
        Assert.Equal(new SandboxCommandLine("/tmp/x", "::1", 10, 4, -3, 77, false), parsed);
    }

    [Fact]
    public void Accepts_key_equals_value_and_defaults()
    {
        var parsed = SandboxCommandLine.Parse(["--root=/r"], out var error);

        Assert.Null(error);
        Assert.Equal(new SandboxCommandLine("/r", "127.0.0.1", 0, 0, null, null, false), parsed);
    }

    [Fact]
    public void Wrappers_default_to_three_and_take_one_to_the_maximum()
    {
        Assert.Equal(3, SandboxCommandLine.Parse(["--root", "/r"], out _)!.Wrappers);
        Assert.Equal(100, SandboxCommandLine.Parse(["--root", "/r", "--wrappers", "100"], out _)!.Wrappers);
        Assert.Equal(SandboxOptions.MaxWrappers, SandboxCommandLine.Parse(["--root", "/r", $"--wrappers={SandboxOptions.MaxWrappers}"], out _)!.Wrappers);

        foreach (var bad in new[] { "0", "-1", "x", (SandboxOptions.MaxWrappers + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            Assert.Null(SandboxCommandLine.Parse(["--root", "/r", "--wrappers", bad], out var error));
            Assert.Contains("--wrappers", error);
        }
    }

    [Fact]
    public void Token_dir_is_optional_and_needs_a_folder()
    {
        Assert.Null(SandboxCommandLine.Parse(["--root", "/r"], out _)!.TokenDirectory);
        Assert.Equal("/tokens", SandboxCommandLine.Parse(["--root", "/r", "--token-dir", "/tokens"], out _)!.TokenDirectory);
        Assert.Equal("t", SandboxCommandLine.Parse(["--root", "/r", "--token-dir=t"], out _)!.TokenDirectory);

        foreach (var args in new[] { new[] { "--root", "/r", "--token-dir" }, ["--root", "/r", "--token-dir="], ["--root", "/r", "--token-dir", " "] })
        {
            Assert.Null(SandboxCommandLine.Parse(args, out var error));
            Assert.Contains("--token-dir", error);
        }
    }

    [Fact]
    public void Non_loopback_host_needs_allow_remote()
    {
        Assert.Null(SandboxCommandLine.Parse(["--root", "/r", "--host", "0.0.0.0"], out var error));
        Assert.Contains("--allow-remote", error);

        var parsed = SandboxCommandLine.Parse(["--root", "/r", "--host", "0.0.0.0", "--allow-remote"], out error);
        Assert.Null(error);
        Assert.True(parsed!.AllowRemote);
    }

    [Theory]
    [InlineData("--bench-endpoints", "-1")]
    [InlineData("--parent-pid", "0")]
    [InlineData("--seed", "1.5")]
    public void Rejects_out_of_range_numbers(string name, string value)
    {
        Assert.Null(SandboxCommandLine.Parse(["--root", "/r", name, value], out var error));
        Assert.Contains(name, error);
    }

    [Fact]
    public async Task In_process_fleet_rejects_non_loopback_host_unless_allowed()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => SandboxFleet.StartAsync(new SandboxOptions { Host = "192.0.2.1" }));
        Assert.Contains("loopback", ex.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => SandboxFleet.StartAsync(new SandboxOptions { Host = "example.com" }));
    }

    [Fact]
    public async Task Ipv6_loopback_host_works()
    {
        if (!System.Net.Sockets.Socket.OSSupportsIPv6)
        {
            return;
        }

        SandboxFleet fleet;
        try
        {
            fleet = await SandboxFleet.StartAsync(new SandboxOptions { Host = "::1" });
        }
        catch (IOException)
        {
            return; // IPv6 loopback not configured on this machine
        }

        await using (fleet)
        {
            var instance = fleet.Instances[0];
            Assert.Equal($"http://[::1]:{instance.Port}", instance.BaseUrl);
            using var client = TestSupport.NewClient();
            using var response = await client.GetAsync(instance.BaseUrl + "/health");
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }
    }
}
