using System.Net;
using System.Text.Json;

namespace Orchestrator.Ops.Sandbox.Tests;

public class ControlApiTests
{
    [Fact]
    public async Task State_lists_every_instance_with_settings_and_request_counts()
    {
        await using var fleet = await SandboxFleet.StartAsync(new SandboxOptions { Seed = 3 });
        using var client = TestSupport.NewClient();
        var poml = fleet.Instance("poml", "blue");
        (await client.GetAsync(poml.BaseUrl + "/health")).EnsureSuccessStatusCode();
        (await client.GetAsync(poml.BaseUrl + "/v1/operation")).EnsureSuccessStatusCode();

        using var response = await client.GetAsync(fleet.ControlUrl + "/control/state");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var state = await response.ReadJsonAsync();
        Assert.Equal(JsonValueKind.Array, state.ValueKind);
        Assert.Equal(6, state.GetArrayLength());
        foreach (var entry in state.EnumerateArray())
        {
            var wrapper = entry.GetProperty("wrapper").GetString()!;
            var slot = entry.GetProperty("slot").GetString()!;
            var instance = fleet.Instance(wrapper, slot);
            Assert.Equal(instance.Kind, entry.GetProperty("kind").GetString());
            Assert.Equal(instance.BaseUrl, entry.GetProperty("baseUrl").GetString());
            Assert.Equal(instance.Port, entry.GetProperty("port").GetInt32());
            var settings = entry.GetProperty("settings");
            Assert.Equal(slot == "blue" ? "1.0.0" : "1.1.0", settings.GetProperty("version").GetString());
            Assert.Equal(20, settings.GetProperty("latencyMs").GetInt32());
            Assert.Equal(10, settings.GetProperty("latencyJitterMs").GetInt32());
            Assert.Equal(0, settings.GetProperty("errorRate").GetDouble());
            Assert.Equal(0, settings.GetProperty("fallbackRate").GetDouble());
            Assert.False(settings.GetProperty("hang").GetBoolean());
            Assert.False(settings.GetProperty("down").GetBoolean());
            Assert.Equal(wrapper == "poml" && slot == "blue" ? 2 : 0, entry.GetProperty("requests").GetInt64());
        }
    }

    [Fact]
    public async Task Partial_update_changes_only_given_fields_and_returns_new_state()
    {
        await using var fleet = await SandboxFleet.StartAsync(new SandboxOptions());
        using var client = TestSupport.NewClient();

        using var response = await client.PostJsonAsync(fleet.ControlUrl + "/control/instances/routellm/green",
            "{\"errorRate\":0.25,\"version\":\"9.9.9\"}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.ReadJsonAsync();
        Assert.Equal("routellm", json.GetProperty("wrapper").GetString());
        Assert.Equal("green", json.GetProperty("slot").GetString());
        Assert.Equal(0.25, json.GetProperty("settings").GetProperty("errorRate").GetDouble());
        Assert.Equal("9.9.9", json.GetProperty("settings").GetProperty("version").GetString());

        var settings = fleet.GetSettings("routellm", "green");
        Assert.Equal(InstanceSettings.DefaultFor("green") with { ErrorRate = 0.25, Version = "9.9.9" }, settings);
        Assert.Equal(InstanceSettings.DefaultFor("blue"), fleet.GetSettings("routellm", "blue"));

        using var health = await client.GetAsync(fleet.Instance("routellm", "green").BaseUrl + "/health");
        if (health.StatusCode == HttpStatusCode.OK)
        {
            Assert.Equal("9.9.9", (await health.ReadJsonAsync()).GetProperty("version").GetString());
        }
    }

    [Fact]
    public async Task Unknown_instance_is_404_json()
    {
        await using var fleet = await SandboxFleet.StartAsync(new SandboxOptions());
        using var client = TestSupport.NewClient();

        foreach (var path in new[] { "/control/instances/nope/blue", "/control/instances/poml/purple", "/control/instances/nope/*" })
        {
            using var response = await client.PostJsonAsync(fleet.ControlUrl + path, "{\"hang\":true}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.False(string.IsNullOrEmpty((await response.ReadJsonAsync()).GetProperty("error").GetString()));
        }

        Assert.All(fleet.Instances, i => Assert.False(fleet.GetSettings(i.Wrapper, i.Slot).Hang));
    }

    [Theory]
    [InlineData("{\"errorRate\":2}", "errorRate")]
    [InlineData("{\"fallbackRate\":-0.1}", "fallbackRate")]
    [InlineData("{\"latencyMs\":-5}", "latencyMs")]
    [InlineData("{\"latencyJitterMs\":-1}", "latencyJitterMs")]
    [InlineData("{\"latencyMs\":\"fast\"}", "latencyMs")]
    [InlineData("{\"hang\":\"yes\"}", "hang")]
    [InlineData("{\"down\":1}", "down")]
    [InlineData("{\"version\":\"\"}", "version")]
    [InlineData("{\"colour\":\"red\"}", "colour")]
    [InlineData("{\"latencyMs\":10,\"errorRate\":7}", "errorRate")]
    public async Task Invalid_value_is_400_naming_the_field_and_changes_nothing(string body, string field)
    {
        await using var fleet = await SandboxFleet.StartAsync(new SandboxOptions());
        using var client = TestSupport.NewClient();

        using var response = await client.PostJsonAsync(fleet.ControlUrl + "/control/instances/poml/blue", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = await response.ReadJsonAsync();
        Assert.Equal(field, json.GetProperty("field").GetString());
        Assert.Contains(field, json.GetProperty("error").GetString());
        Assert.Equal(InstanceSettings.DefaultFor("blue"), fleet.GetSettings("poml", "blue"));
    }

    [Theory]
    [InlineData("{\"errorRate\":")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[1,2]")]
    public async Task Malformed_body_is_400(string body)
    {
        await using var fleet = await SandboxFleet.StartAsync(new SandboxOptions());
        using var client = TestSupport.NewClient();

        using var response = await client.PostJsonAsync(fleet.ControlUrl + "/control/instances/poml/blue", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrEmpty((await response.ReadJsonAsync()).GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Wildcard_slot_applies_to_all_slots_of_a_wrapper()
    {
        await using var fleet = await SandboxFleet.StartAsync(new SandboxOptions());
        using var client = TestSupport.NewClient();

        using var response = await client.PostJsonAsync(fleet.ControlUrl + "/control/instances/poml/*", "{\"fallbackRate\":1}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.ReadJsonAsync();
        Assert.Equal(2, json.GetArrayLength());
        Assert.Equal(1, fleet.GetSettings("poml", "blue").FallbackRate);
        Assert.Equal(1, fleet.GetSettings("poml", "green").FallbackRate);
        Assert.Equal(0, fleet.GetSettings("routellm", "blue").FallbackRate);
    }

    [Fact]
    public async Task Down_and_up_through_the_control_api_and_reset()
    {
        await using var fleet = await SandboxFleet.StartAsync(new SandboxOptions());
        using var client = TestSupport.NewClient();
        var instance = fleet.Instance("routellm", "blue");

        using (var down = await client.PostJsonAsync(fleet.ControlUrl + "/control/instances/*/blue", "{\"down\":true,\"latencyMs\":0}"))
        {
            Assert.Equal(HttpStatusCode.OK, down.StatusCode);
        }

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(instance.BaseUrl + "/health"));
        Assert.Equal(HttpRequestError.ConnectionError, ex.HttpRequestError);

        using (var reset = await client.PostAsync(fleet.ControlUrl + "/control/reset", null))
        {
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        }

        Assert.All(fleet.Instances, i => Assert.Equal(InstanceSettings.DefaultFor(i.Slot), fleet.GetSettings(i.Wrapper, i.Slot)));
        using var health = await client.GetAsync(instance.BaseUrl + "/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Shutdown_endpoint_completes_the_fleet()
    {
        var fleet = await SandboxFleet.StartAsync(new SandboxOptions());
        await using (fleet)
        {
            using var client = TestSupport.NewClient();
            using var response = await client.PostAsync(fleet.ControlUrl + "/control/shutdown", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            await fleet.Completion.WithinAsync(TestSupport.Bound, "fleet completion");
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(fleet.Instances[0].BaseUrl + "/health"));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => fleet.UpdateAsync("poml", "blue", s => s with { Down = false }));
        }
    }

    [Fact]
    public async Task Unknown_control_route_is_404_and_wrong_method_is_405()
    {
        await using var fleet = await SandboxFleet.StartAsync(new SandboxOptions());
        using var client = TestSupport.NewClient();

        using var missing = await client.GetAsync(fleet.ControlUrl + "/control/nothing");
        using var wrong = await client.GetAsync(fleet.ControlUrl + "/control/reset");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrong.StatusCode);
    }
}
