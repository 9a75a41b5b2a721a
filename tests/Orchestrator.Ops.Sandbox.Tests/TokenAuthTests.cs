using System.Net;
using System.Text.Json;

namespace Orchestrator.Ops.Sandbox.Tests;

public class TokenAuthTests
{
    private const string Blue = "blue";
    private const string Green = "green";

    private static readonly Dictionary<string, string> Prefix = new()
    {
        ["routellm"] = "route",
        ["poml"] = "poml",
        ["external-tools"] = "tools",
    };

    private static async Task<SandboxFleet> StartAsync(string tokenDir, string? root = null, int benchEndpoints = 0, CapturingLoggerFactory? logs = null)
    {
        var fleet = await SandboxFleet.StartAsync(new SandboxOptions
        {
            TokenDirectory = tokenDir,
            Root = root,
            BenchEndpoints = benchEndpoints,
            Seed = 7,
            LoggerFactory = logs,
        });
        await fleet.UpdateAsync("*", "*", s => s with { LatencyMs = 0, LatencyJitterMs = 0 });
        return fleet;
    }

    private static string Health(SandboxFleet fleet, string wrapper, string slot) => fleet.Instance(wrapper, slot).BaseUrl + "/health";

    [Fact]
    public async Task Without_a_token_every_instance_answers_401_with_a_bearer_challenge_and_the_json_error_shape()
    {
        using var tokens = new TempDir();
        TokenSupport.WriteEnv(tokens.Path, Blue, "ROUTELLM_TOKEN=rb", "POML_TOKEN=pb", "EXTERNAL_TOOLS_TOKEN=eb");
        TokenSupport.WriteEnv(tokens.Path, Green, "ROUTELLM_TOKEN=rg", "POML_TOKEN=pg", "EXTERNAL_TOOLS_TOKEN=eg");
        await using var fleet = await StartAsync(tokens.Path);
        using var client = TestSupport.NewClient();

        foreach (var instance in fleet.Instances)
        {
            foreach (var (method, path) in new[] { (HttpMethod.Get, "/health"), (HttpMethod.Get, "/v1/operation"), (HttpMethod.Post, "/v1/operation") })
            {
                using var response = await client.SendAsync(new HttpRequestMessage(method, instance.BaseUrl + path));
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
                Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                var json = await response.ReadJsonAsync();
                Assert.Contains("authentication required", json.GetProperty("error").GetString(), StringComparison.Ordinal);
                Assert.Equal(JsonValueKind.Null, json.GetProperty("field").ValueKind);
            }
        }

        Assert.Equal(18, fleet.Instances.Sum(i => fleet.GetRequestCount(i.Wrapper, i.Slot)));
    }

    [Fact]
    public async Task The_current_token_of_the_wrapper_and_slot_is_accepted_as_bearer_or_api_key_and_nothing_else()
    {
        using var tokens = new TempDir();
        TokenSupport.WriteEnv(tokens.Path, Blue, "ROUTELLM_TOKEN=route-blue", "POML_TOKEN=poml-blue", "EXTERNAL_TOOLS_TOKEN=tools-blue");
        TokenSupport.WriteEnv(tokens.Path, Green, "ROUTELLM_TOKEN=route-green", "POML_TOKEN=poml-green", "EXTERNAL_TOOLS_TOKEN=tools-green");
        await using var fleet = await StartAsync(tokens.Path);
        using var client = TestSupport.NewClient();

        foreach (var instance in fleet.Instances)
        {
            var token = $"{Prefix[instance.Wrapper]}-{instance.Slot}";
            using (var health = await client.SendAsync(TokenSupport.Get(instance.BaseUrl + "/health", bearer: token)))
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                Assert.Equal(instance.Wrapper, (await health.ReadJsonAsync()).GetProperty("wrapper").GetString());
            }

            var post = new HttpRequestMessage(HttpMethod.Post, instance.BaseUrl + "/v1/operation") { Content = new StringContent("{}") };
            post.Headers.TryAddWithoutValidation("X-Api-Key", token);
            using (var operation = await client.SendAsync(post))
            {
                Assert.Equal(HttpStatusCode.OK, operation.StatusCode);
            }
        }

        var routeBlue = Health(fleet, "routellm", Blue);
        using (var lower = new HttpRequestMessage(HttpMethod.Get, routeBlue))
        {
            lower.Headers.TryAddWithoutValidation("Authorization", "bearer   route-blue ");
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(lower)).StatusCode);
        }

        // Another wrapper's token, the other slot's token, a prefix, a longer string, another scheme: all refused.
        foreach (var wrong in new[] { "poml-blue", "route-green", "route-blu", "route-blue2", "ROUTE-BLUE" })
        {
            using var response = await client.SendAsync(TokenSupport.Get(routeBlue, bearer: wrong));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var challenge = Assert.Single(response.Headers.WwwAuthenticate);
            Assert.Equal("Bearer", challenge.Scheme);
            Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
            Assert.Equal("invalid token", (await response.ReadJsonAsync()).GetProperty("error").GetString());
        }

        using (var basic = new HttpRequestMessage(HttpMethod.Get, routeBlue))
        {
            basic.Headers.TryAddWithoutValidation("Authorization", "Basic route-blue");
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(basic)).StatusCode);
        }

        // Either header may carry it: a wrong bearer beside the right key is still the right key.
        using (var both = TokenSupport.Get(routeBlue, bearer: "nope", apiKey: "route-blue"))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(both)).StatusCode);
        }
    }

    [Fact]
    public async Task A_rotation_is_picked_up_within_a_second_the_previous_token_works_during_the_grace_period_and_not_after()
    {
        using var tokens = new TempDir();
        TokenSupport.WriteEnv(tokens.Path, Blue, "ROUTELLM_TOKEN=old-token-1");
        await using var fleet = await StartAsync(tokens.Path);
        using var client = TestSupport.NewClient();
        var url = Health(fleet, "routellm", Blue);
        Assert.Equal(200, await client.StatusAsync(url, "old-token-1"));
        Assert.Equal(401, await client.StatusAsync(url, "new-token-22"));

        // Rotation: the new value becomes current, the old one stays valid as _PREVIOUS.
        TokenSupport.WriteEnv(tokens.Path, Blue, "ROUTELLM_TOKEN=new-token-22", "ROUTELLM_TOKEN_PREVIOUS=old-token-1");
        var took = await TokenSupport.EventuallyAsync(async () => await client.StatusAsync(url, "new-token-22") == 200, "new token accepted");
        Assert.True(took < TokenSupport.ReloadBound, $"the new token took {took.TotalMilliseconds:0} ms to be accepted");
        Assert.Equal(200, await client.StatusAsync(url, "old-token-1"));
        Assert.Equal(401, await client.StatusAsync(url, "something-else"));

        // End of the grace period: the _PREVIOUS line is removed.
        TokenSupport.WriteEnv(tokens.Path, Blue, "ROUTELLM_TOKEN=new-token-22");
        took = await TokenSupport.EventuallyAsync(async () => await client.StatusAsync(url, "old-token-1") == 401, "old token rejected");
        Assert.True(took < TokenSupport.ReloadBound, $"the old token took {took.TotalMilliseconds:0} ms to be refused");
        Assert.Equal(200, await client.StatusAsync(url, "new-token-22"));

        // A replacement of the same length is noticed too.
        TokenSupport.WriteEnv(tokens.Path, Blue, "ROUTELLM_TOKEN=new-token-33");
        took = await TokenSupport.EventuallyAsync(async () => await client.StatusAsync(url, "new-token-33") == 200, "same-length token accepted");
        Assert.True(took < TokenSupport.ReloadBound, $"the same-length token took {took.TotalMilliseconds:0} ms to be accepted");
        Assert.Equal(401, await client.StatusAsync(url, "new-token-22"));
    }

    [Fact]
    public async Task A_missing_file_or_variable_refuses_every_request_saying_no_token_is_provisioned()
    {
        using var tokens = new TempDir();
        TokenSupport.WriteEnv(tokens.Path, Blue, "POML_TOKEN=poml-only", "ROUTELLM_TOKEN_PREVIOUS=orphan", "EXTERNAL_TOOLS_TOKEN=");
        await using var fleet = await StartAsync(tokens.Path);
        using var client = TestSupport.NewClient();

        Assert.Equal(200, await client.StatusAsync(Health(fleet, "poml", Blue), "poml-only"));
        foreach (var (wrapper, slot, token, variable) in new[]
        {
            ("routellm", Blue, "orphan", "ROUTELLM_TOKEN"),          // only _PREVIOUS is set
            ("external-tools", Blue, "", "EXTERNAL_TOOLS_TOKEN"),    // set but empty
            ("poml", Green, "poml-only", "POML_TOKEN"),              // green.env does not exist
        })
        {
            using var response = await client.SendAsync(TokenSupport.Get(Health(fleet, wrapper, slot), bearer: token));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
            var error = (await response.ReadJsonAsync()).GetProperty("error").GetString()!;
            Assert.StartsWith($"no token is provisioned for {wrapper} in slot {slot}", error, StringComparison.Ordinal);
            Assert.Contains(variable, error, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(tokens.Path, slot + ".env"), error, StringComparison.Ordinal);
        }

        var green = Health(fleet, "poml", Green);
        TokenSupport.WriteEnv(tokens.Path, Green, "POML_TOKEN=poml-green");
        await TokenSupport.EventuallyAsync(async () => await client.StatusAsync(green, "poml-green") == 200, "green.env created");

        File.Delete(Path.Combine(tokens.Path, "green.env"));
        await TokenSupport.EventuallyAsync(async () => await client.StatusAsync(green, "poml-green") == 401, "green.env deleted");
        Assert.Equal(200, await client.StatusAsync(Health(fleet, "poml", Blue), "poml-only"));
    }

    [Fact]
    public async Task Comments_export_quotes_and_garbage_lines_are_handled_and_nothing_secret_is_logged()
    {
        // Read as systemd's EnvironmentFile= reads it (the parser the engine writes these files for): an "export" line
        // names no valid variable and assigns nothing, as under systemd.
        using var tokens = new TempDir();
        var logs = new CapturingLoggerFactory();
        TokenSupport.WriteEnvText(tokens.Path, Blue,
            "# managed by Update-Secret\n" +
            "\n" +
            "this line holds a leaked-secret-value but no assignment\n" +
            "=leaked-secret-value\n" +
            "1BAD=leaked-secret-value\n" +
            "export ROUTELLM_TOKEN=exported-secret-value\n" +
            "ROUTELLM_TOKEN=\"quoted route\"\r\n" +
            "  POML_TOKEN = 'single quoted'  \n" +
            "EXTERNAL_TOOLS_TOKEN=plain=with=equals\n" +
            "EXTERNAL_TOOLS_TOKEN_PREVIOUS=\"a \\\"quoted\\\" \\$value\"\n");
        await using var fleet = await StartAsync(tokens.Path, logs: logs);
        using var client = TestSupport.NewClient();

        Assert.Equal(200, await client.StatusAsync(Health(fleet, "routellm", Blue), "quoted route"));
        Assert.Equal(200, await client.StatusAsync(Health(fleet, "poml", Blue), "single quoted"));
        Assert.Equal(200, await client.StatusAsync(Health(fleet, "external-tools", Blue), "plain=with=equals"));
        Assert.Equal(200, await client.StatusAsync(Health(fleet, "external-tools", Blue), "a \"quoted\" $value"));
        Assert.Equal(401, await client.StatusAsync(Health(fleet, "routellm", Blue), "\"quoted route\""));
        Assert.Equal(401, await client.StatusAsync(Health(fleet, "routellm", Blue), "exported-secret-value"));
        Assert.Equal(401, await client.StatusAsync(Health(fleet, "routellm", Blue), "leaked-secret-value"));

        var warning = Assert.Single(logs.Messages, m => m.Contains("ignored 4 line(s)", StringComparison.Ordinal));
        Assert.Contains("line 3, 4, 5, 6", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("leaked-secret-value", logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("exported-secret-value", logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("quoted route", logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_never_appear_in_a_401_response_or_the_request_log()
    {
        using var root = new TempDir();
        using var tokens = new TempDir();
        const string current = "cur-7f3a9c1e5b";
        const string previous = "prev-0d2e4f6a8c";
        const string presented = "presented-9b8a7c6d";
        TokenSupport.WriteEnv(tokens.Path, Blue, $"ROUTELLM_TOKEN={current}", $"ROUTELLM_TOKEN_PREVIOUS={previous}");
        var logs = new CapturingLoggerFactory();
        var fleet = await StartAsync(tokens.Path, root.Path, logs: logs);
        var texts = new List<string>();
        await using (fleet)
        {
            using var client = TestSupport.NewClient();
            var url = Health(fleet, "routellm", Blue);
            foreach (var request in new[]
            {
                TokenSupport.Get(url, bearer: presented),
                TokenSupport.Get(url, apiKey: presented),
                TokenSupport.Get(url + "?token=" + presented),
                TokenSupport.Get(Health(fleet, "routellm", Green), bearer: current),
                TokenSupport.Get(url),
            })
            {
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                texts.Add(response.Headers.ToString());
                texts.Add(await response.Content.ReadAsStringAsync());
            }

            Assert.Equal(200, await client.StatusAsync(url, current));
            Assert.Equal(200, await client.StatusAsync(url, previous));
        }

        var log = await File.ReadAllTextAsync(fleet.RequestLogPath!);
        Assert.Equal(7, log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains(" routellm blue GET /health 401 ", log, StringComparison.Ordinal);
        texts.Add(log);
        texts.Add(logs.All);
        foreach (var secret in new[] { current, previous, presented })
        {
            Assert.All(texts, text => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Control_and_bench_listeners_need_no_token_and_the_state_reports_auth_per_instance()
    {
        using var tokens = new TempDir();
        await using var fleet = await StartAsync(tokens.Path, benchEndpoints: 2);
        using var client = TestSupport.NewClient();

        Assert.Equal(Path.GetFullPath(tokens.Path), fleet.TokenDirectory);
        Assert.Equal(200, await client.StatusAsync(fleet.BenchBaseUrl + "/e/1/health", null));
        using (var state = await client.GetAsync(fleet.ControlUrl + "/control/state"))
        {
            Assert.Equal(HttpStatusCode.OK, state.StatusCode);
            var entries = (await state.ReadJsonAsync()).EnumerateArray().ToList();
            Assert.Equal(6, entries.Count);
            Assert.All(entries, e => Assert.True(e.GetProperty("authRequired").GetBoolean()));
        }

        using (var update = await client.PostJsonAsync(fleet.ControlUrl + "/control/instances/poml/blue", "{\"version\":\"2.0.0\"}"))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
            Assert.True((await update.ReadJsonAsync()).GetProperty("authRequired").GetBoolean());
        }

        await using var open = await SandboxFleet.StartAsync(new SandboxOptions());
        Assert.Null(open.TokenDirectory);
        using var openState = await client.GetAsync(open.ControlUrl + "/control/state");
        Assert.All((await openState.ReadJsonAsync()).EnumerateArray(), e => Assert.False(e.GetProperty("authRequired").GetBoolean()));
        Assert.Equal(200, await client.StatusAsync(open.Instance("poml", Blue).BaseUrl + "/health", null));
    }

    [Fact]
    public async Task A_hanging_or_slow_instance_refuses_a_missing_token_at_once()
    {
        using var tokens = new TempDir();
        TokenSupport.WriteEnv(tokens.Path, Green, "POML_TOKEN=t");
        await using var fleet = await StartAsync(tokens.Path);
        await fleet.UpdateAsync("poml", Green, s => s with { Hang = true });
        using var client = TestSupport.NewClient(TimeSpan.FromSeconds(5));

        var status = await client.StatusAsync(Health(fleet, "poml", Green), null).WithinAsync(TestSupport.Bound, "401 from a hanging instance");
        Assert.Equal(401, status);
    }

    [Fact]
    public async Task A_token_folder_that_does_not_exist_is_refused_at_start()
    {
        using var tokens = new TempDir();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            SandboxFleet.StartAsync(new SandboxOptions { TokenDirectory = Path.Combine(tokens.Path, "nope") }));
        Assert.Contains("not an existing folder", ex.Message, StringComparison.Ordinal);

        var file = Path.Combine(tokens.Path, "file");
        await File.WriteAllTextAsync(file, "x");
        await Assert.ThrowsAsync<ArgumentException>(() => SandboxFleet.StartAsync(new SandboxOptions { TokenDirectory = file }));
    }
}
