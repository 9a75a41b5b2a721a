using System.Net;
using System.Net.Http.Headers;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Secrets;
using Orchestrator.Ops.Core.Tests.Support;
using Orchestrator.Ops.Sandbox;

namespace Orchestrator.Ops.Core.Tests.Secrets;

/// <summary>
/// Rotation end to end against a real sandbox fleet whose wrappers read their tokens from each slot's env file:
/// the targets, the verification probes, the vault's labels and the journal are all real.
/// </summary>
public sealed class SecretRotationTests : IAsyncLifetime
{
    private readonly TempFolder _dir = new();
    private SandboxFleet _fleet = null!;
    private readonly List<OpsEngine> _engines = [];
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync()
    {
        var tokens = Path.Combine(_dir.Path, "secrets");
        Directory.CreateDirectory(tokens);
        _fleet = await SandboxFleet.StartAsync(new SandboxOptions { Seed = 3, TokenDirectory = tokens });
    }

    public async Task DisposeAsync()
    {
        foreach (var e in _engines)
        {
            await e.DisposeAsync();
        }

        await _fleet.DisposeAsync();
        _dir.Dispose();
    }

    private string Url(string wrapper, string slot) => _fleet.Instances.Single(i => i.Wrapper == wrapper && i.Slot == slot).BaseUrl.ToString().TrimEnd('/');

    private async Task<OpsEngine> OpenAsync(string extraItem = "", string testCommand = "", double graceHours = 1, TimeProvider? time = null)
    {
        var wrappers = string.Join(",\n", new[] { "routellm", "poml", "external-tools" }.Select(w =>
            $$"""{ "name": "{{w}}", "kind": "{{(w == "poml" ? "poml" : w == "routellm" ? "routellm" : "external-tool")}}" }"""));
        var slots = string.Join(",\n", new[] { "blue", "green" }.Select(s =>
            $$"""    "{{s}}": { "routellm": "{{Url("routellm", s)}}", "poml": "{{Url("poml", s)}}", "external-tools": "{{Url("external-tools", s)}}" }"""));
        var config = $$"""
            {
              "opsRoot": ".",
              "wrappers": [ {{wrappers}} ],
              "slots": {
            {{slots}}
              },
              "healthChecks": { "timeoutSeconds": 2, "retries": 1, "retryDelayMs": 50 },
              "secrets": {
                "gracePeriodHours": {{graceHours.ToString(System.Globalization.CultureInfo.InvariantCulture)}},
                "items": [
                  { "name": "routellm-token", "wrappers": ["routellm"], {{testCommand}}
                    "targets": [ { "type": "envFile", "path": "secrets/blue.env", "variable": "ROUTELLM_TOKEN" },
                                 { "type": "envFile", "path": "secrets/green.env", "variable": "ROUTELLM_TOKEN" } ] },
                  { "name": "poml-token", "wrappers": ["poml"],
                    "targets": [ { "type": "envFile", "path": "secrets/blue.env", "variable": "POML_TOKEN" },
                                 { "type": "envFile", "path": "secrets/green.env", "variable": "POML_TOKEN" } ] }{{extraItem}}
                ]
              }
            }
            """;
        var engine = await OpsEngine.OpenAsync(OpsConfigLoader.Load(_dir.Write("ops.json", config)), new OpsEngineOptions { Time = time }, default);
        _engines.Add(engine);
        return engine;
    }

    private static SecretRotationRequest Request(string name, string? value = null, string? token = null, TimeSpan? grace = null) => new()
    {
        Name = name,
        Value = value is null ? null : SecretValue.FromString(value),
        RequestToken = token,
        GracePeriod = grace,
        RequestedBy = "tester@test",
    };

    private async Task<HttpStatusCode> CallAsync(string wrapper, string slot, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(wrapper, slot) + "/health");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Polls until the wrapper answers <paramref name="expected"/> for the token (it reloads its env file within ~1 s).</summary>
    private async Task EventuallyAsync(string wrapper, string slot, string? token, HttpStatusCode expected)
    {
        var last = await Eventually.ValueAsync(() => CallAsync(wrapper, slot, token), s => s == expected,
            $"{wrapper}/{slot} answered {expected}", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Assert.Equal(expected, last);
    }

    private string Env(string slot) => File.ReadAllText(Path.Combine(_dir.Path, "secrets", slot + ".env"));

    [Fact]
    public async Task A_first_value_is_created_written_to_each_slot_and_sent_by_the_engine_s_probes()
    {
        var engine = await OpenAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync("routellm", "blue", null));

        var result = await engine.Secrets.RotateAsync(Request("routellm-token"), new RecordingReporter(), default);

        Assert.Equal(SecretRotationOutcome.Created, result.Outcome);
        Assert.Null(result.FromVersion);
        Assert.Equal(1, result.ToVersion);
        Assert.Null(result.PreviousValidUntil);
        Assert.Equal(2, result.Targets.Count);
        Assert.All(result.Checks, c => Assert.Equal(SecretCheckStatus.Pass, c.Status));
        var value = engine.Secrets.Reveal("routellm-token").RevealString();
        Assert.Equal(40, value.Length);
        Assert.Contains($"ROUTELLM_TOKEN={value}", Env("blue"));
        Assert.Contains($"ROUTELLM_TOKEN={value}", Env("green"));
        Assert.DoesNotContain("_PREVIOUS", Env("blue"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir.Path, "secrets", "blue.env")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(engine.Config.Secrets.VaultPath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(engine.Config.Secrets.KeyFile));
        }

        // The engine's own probes now carry the token: the wrapper is healthy in both slots.
        var probes = await engine.Health.ProbeAllAsync(new RecordingReporter(), default);
        Assert.All(probes.Where(p => p.Wrapper == "routellm"), p => Assert.Equal((200, false), (p.StatusCode ?? 0, p.IsFailure)));
        Assert.All(probes.Where(p => p.Wrapper == "external-tools"), p => Assert.Equal(401, p.StatusCode));
    }

    [Fact]
    public async Task A_rotation_keeps_the_old_value_valid_for_the_grace_period_and_moves_the_labels()
    {
        var engine = await OpenAsync();
        await engine.Secrets.RotateAsync(Request("routellm-token"), new RecordingReporter(), default);
        var v1 = engine.Secrets.Reveal("routellm-token").RevealString();
        var before = DateTimeOffset.UtcNow;

        var result = await engine.Secrets.RotateAsync(Request("routellm-token"), new RecordingReporter(), default);

        Assert.Equal(SecretRotationOutcome.Rotated, result.Outcome);
        Assert.Equal((1, 2), (result.FromVersion, result.ToVersion));
        Assert.InRange(result.PreviousValidUntil!.Value, before.AddHours(1).AddSeconds(-1), DateTimeOffset.UtcNow.AddHours(1).AddSeconds(1));
        Assert.Contains(result.Checks, c => c.Check == "probe routellm/blue" && c.Status == SecretCheckStatus.Pass);
        Assert.Contains(result.Checks, c => c.Check == "probe routellm/green" && c.Status == SecretCheckStatus.Pass);
        var v2 = engine.Secrets.Reveal("routellm-token").RevealString();
        Assert.NotEqual(v1, v2);
        Assert.Contains($"ROUTELLM_TOKEN={v2}", Env("blue"));
        Assert.Contains($"ROUTELLM_TOKEN_PREVIOUS={v1}", Env("blue"));
        await EventuallyAsync("routellm", "green", v2, HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, await CallAsync("routellm", "green", v1));

        using (var handle = engine.OpenVault(false))
        {
            var secret = handle.Vault.Read().Find("routellm-token")!;
            Assert.Equal(2, secret.Current!.Version);
            Assert.Equal(1, secret.WithLabel(VaultLabels.Previous)!.Version);
            Assert.Null(secret.WithLabel(VaultLabels.Pending));
            Assert.Equal("tester@test", secret.Current.CreatedBy);
        }

        var info = (await engine.Secrets.GetAsync(default)).Single(s => s.Name == "routellm-token");
        Assert.Equal((2, 1, (int?)null), (info.CurrentVersion, info.PreviousVersion, info.PendingVersion));
        Assert.Equal(result.PreviousValidUntil, info.PreviousValidUntil);
        Assert.False(info.Due);

        // The same request token again is idempotent: it reports the rotation and makes no new version.
        var again = await engine.Secrets.RotateAsync(Request("routellm-token", token: result.RequestToken), new RecordingReporter(), default);
        Assert.Equal((SecretRotationOutcome.Rotated, 2), (again.Outcome, again.ToVersion));
        Assert.Equal(v2, engine.Secrets.Reveal("routellm-token").RevealString());
    }

    [Fact]
    public async Task Completing_an_expired_grace_period_removes_the_old_value_from_targets_and_vault()
    {
        var time = new ShiftedTime();
        var engine = await OpenAsync(time: time);
        await engine.Secrets.RotateAsync(Request("poml-token"), new RecordingReporter(), default);
        var v1 = engine.Secrets.Reveal("poml-token").RevealString();
        var rotated = await engine.Secrets.RotateAsync(Request("poml-token", grace: TimeSpan.FromHours(2)), new RecordingReporter(), default);
        Assert.Equal(SecretRotationOutcome.Rotated, rotated.Outcome);

        // Not expired yet: nothing is removed, and the old value still works.
        Assert.Empty(await engine.Secrets.CompleteExpiredAsync(null, force: false, new RecordingReporter(), default));
        Assert.Contains($"POML_TOKEN_PREVIOUS={v1}", Env("blue"));
        await EventuallyAsync("poml", "blue", v1, HttpStatusCode.OK);

        // Two hours and a second later by the engine's clock, with no real wait.
        time.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
        Assert.True(rotated.PreviousValidUntil < time.GetUtcNow());
        var done = Assert.Single(await engine.Secrets.CompleteExpiredAsync(null, force: false, new RecordingReporter(), default));

        Assert.Equal(("poml-token", SecretRotationOutcome.Completed, 1, 2), (done.Name, done.Outcome, done.FromVersion, done.ToVersion));
        Assert.DoesNotContain("POML_TOKEN_PREVIOUS", Env("blue"));
        Assert.DoesNotContain("POML_TOKEN_PREVIOUS", Env("green"));
        await EventuallyAsync("poml", "blue", v1, HttpStatusCode.Unauthorized);
        using (var handle = engine.OpenVault(false))
        {
            var secret = handle.Vault.Read().Find("poml-token")!;
            Assert.Null(secret.WithLabel(VaultLabels.Previous));
            Assert.Equal(2, Assert.Single(secret.Versions).Version);
        }

        Assert.Empty(await engine.Secrets.CompleteExpiredAsync(null, force: false, new RecordingReporter(), default));
    }

    [Fact]
    public async Task A_value_with_the_characters_env_files_quote_is_read_by_the_consumer_as_it_was_given()
    {
        // Quotes, '$', a backslash and a backtick: written quoted and escaped into each slot's env file, and read back by
        // the wrappers with the same parser, so they accept exactly this value and the engine verifies it.
        const string value = "tok\"en'with$HOME\\and`tick";
        var engine = await OpenAsync();

        var result = await engine.Secrets.RotateAsync(Request("routellm-token", value: value), new RecordingReporter(), default);

        Assert.Equal(SecretRotationOutcome.Created, result.Outcome);
        Assert.Contains("ROUTELLM_TOKEN=\"tok\\\"en'with\\$HOME\\\\and\\`tick\"", Env("blue"));
        await EventuallyAsync("routellm", "blue", value, HttpStatusCode.OK);
        await EventuallyAsync("routellm", "green", value, HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync("routellm", "blue", value.Replace("\\", string.Empty, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_failing_test_command_reverts_every_target_and_discards_pending()
    {
        var engine = await OpenAsync(testCommand: """ "testCommand": { "command": ["sh", "-c", "cat >/dev/null; echo refused >&2; exit 3"], "timeoutSeconds": 10 }, """);
        var first = await engine.Secrets.RotateAsync(Request("routellm-token"), new RecordingReporter(), default);
        Assert.Equal(SecretRotationOutcome.Created, first.Outcome); // a first value has nothing to go back to
        var v1 = engine.Secrets.Reveal("routellm-token").RevealString();
        var blueBefore = Env("blue");

        var result = await engine.Secrets.RotateAsync(Request("routellm-token", value: "recognizable-rotation-value-9c2e"), new RecordingReporter(), default);

        Assert.Equal(SecretRotationOutcome.Reverted, result.Outcome);
        Assert.Contains("test command", result.Reason);
        Assert.Contains(result.Checks, c => c.Check.StartsWith("test command", StringComparison.Ordinal) && c.Status == SecretCheckStatus.Fail);
        Assert.Contains(result.Targets, t => t.Action == "revert" && t.Status == SecretCheckStatus.Pass);
        Assert.Equal(blueBefore, Env("blue"));
        Assert.DoesNotContain("recognizable-rotation-value-9c2e", Env("green"));
        Assert.Equal(v1, engine.Secrets.Reveal("routellm-token").RevealString());
        using (var handle = engine.OpenVault(false))
        {
            var secret = handle.Vault.Read().Find("routellm-token")!;
            Assert.Null(secret.WithLabel(VaultLabels.Pending));
            Assert.Single(secret.Versions);
        }

        var journal = (await engine.Secrets.GetRotationsAsync("routellm-token", false, 10, default))[0];
        Assert.Equal(SecretRotationState.Reverted, journal.State);
        Assert.DoesNotContain("recognizable-rotation-value-9c2e", journal.ResultJson + journal.Reason);
        await EventuallyAsync("routellm", "blue", v1, HttpStatusCode.OK);
        await EventuallyAsync("routellm", "blue", "recognizable-rotation-value-9c2e", HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_test_command_that_hangs_is_killed_at_its_timeout_and_the_rotation_reverts()
    {
        var engine = await OpenAsync(testCommand: """ "testCommand": { "command": ["sleep", "60"], "timeoutSeconds": 1 }, """);
        await engine.Secrets.RotateAsync(Request("routellm-token"), new RecordingReporter(), default);
        var v1 = engine.Secrets.Reveal("routellm-token").RevealString();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await engine.Secrets.RotateAsync(Request("routellm-token"), new RecordingReporter(), default);

        Assert.Equal(SecretRotationOutcome.Reverted, result.Outcome);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20));
        Assert.Contains("test command", result.Reason);
        Assert.Equal(v1, engine.Secrets.Reveal("routellm-token").RevealString());
        Assert.Contains($"ROUTELLM_TOKEN={v1}", Env("green"));
    }

    [Fact]
    public async Task A_target_that_cannot_be_written_reverts_the_others_and_says_which()
    {
        var blocked = Path.Combine(_dir.Path, "not-a-folder");
        File.WriteAllText(blocked, "a file where the target's folder should be");
        var engine = await OpenAsync(extraItem: "," + """
                  { "name": "app-token",
                    "targets": [ { "type": "envFile", "path": "secrets/app.env", "variable": "APP_TOKEN" },
                                 { "type": "file", "path": "not-a-folder/token" } ] }
            """);
        var reporter = new RecordingReporter();
        File.Delete(blocked);
        var first = await engine.Secrets.RotateAsync(Request("app-token"), reporter, default);
        Assert.Equal(SecretRotationOutcome.Created, first.Outcome);
        var v1 = engine.Secrets.Reveal("app-token").RevealString();
        File.Delete(Path.Combine(_dir.Path, "not-a-folder", "token"));
        Directory.Delete(Path.Combine(_dir.Path, "not-a-folder"));
        File.WriteAllText(blocked, "blocked again");

        var result = await engine.Secrets.RotateAsync(Request("app-token"), reporter, default);

        Assert.Equal(SecretRotationOutcome.Reverted, result.Outcome);
        Assert.Contains("not-a-folder", result.Reason);
        Assert.Contains($"APP_TOKEN={v1}", File.ReadAllText(Path.Combine(_dir.Path, "secrets", "app.env")));
        Assert.Equal(v1, engine.Secrets.Reveal("app-token").RevealString());
    }

    [Fact]
    public async Task A_second_rotation_while_one_is_under_way_is_refused_and_names_the_token_to_resume()
    {
        var engine = await OpenAsync(testCommand: """ "testCommand": { "command": ["sh", "-c", "cat >/dev/null; sleep 2"], "timeoutSeconds": 10 }, """);
        await engine.Secrets.RotateAsync(Request("routellm-token"), new RecordingReporter(), default);
        var slow = engine.Secrets.RotateAsync(Request("routellm-token", token: "first-one"), new RecordingReporter(), default);
        await Eventually.UntilAsync(async () => (await engine.Secrets.GetRotationsAsync("routellm-token", true, 1, default)).Count > 0,
            "the first rotation was journaled as under way");

        var refused = await Assert.ThrowsAsync<SecretException>(() => engine.Secrets.RotateAsync(Request("routellm-token"), new RecordingReporter(), default));

        Assert.Equal(SecretFailure.RotationInProgress, refused.Failure);
        Assert.Contains("first-one", refused.Message);
        Assert.Equal(SecretRotationOutcome.Rotated, (await slow).Outcome);
    }

    [Fact]
    public async Task Bad_requests_get_clear_errors_and_change_nothing()
    {
        var engine = await OpenAsync(extraItem: "," + """
                  { "name": "provider-key", "source": "external", "targets": [ { "type": "file", "path": "provider.key" } ] }
            """);

        var external = await Assert.ThrowsAsync<SecretException>(() => engine.Secrets.RotateAsync(Request("provider-key"), new RecordingReporter(), default));
        Assert.Equal(SecretFailure.ValueRequired, external.Failure);
        var unknown = await Assert.ThrowsAsync<SecretException>(() => engine.Secrets.RotateAsync(Request("nope"), new RecordingReporter(), default));
        Assert.Equal(SecretFailure.NotConfigured, unknown.Failure);
        Assert.Contains("routellm-token", unknown.Message);
        var control = await Assert.ThrowsAsync<SecretException>(() => engine.Secrets.RotateAsync(Request("provider-key", value: "line\nbreak"), new RecordingReporter(), default));
        Assert.Equal(SecretFailure.InvalidValue, control.Failure);
        Assert.DoesNotContain("line\nbreak", control.Message);
        Assert.False(File.Exists(Path.Combine(_dir.Path, "provider.key")));

        var given = await engine.Secrets.RotateAsync(Request("provider-key", value: "sk-issued-elsewhere-123456"), new RecordingReporter(), default);
        Assert.Equal(SecretRotationOutcome.Created, given.Outcome);
        Assert.Equal("sk-issued-elsewhere-123456", File.ReadAllText(Path.Combine(_dir.Path, "provider.key")).TrimEnd('\n'));
        var skipped = Assert.Single(given.Checks);
        Assert.Equal(SecretCheckStatus.Skipped, skipped.Status);

        var mismatch = await Assert.ThrowsAsync<SecretException>(() => engine.Secrets.RotateAsync(Request("poml-token", token: given.RequestToken), new RecordingReporter(), default));
        Assert.Equal(SecretFailure.RequestTokenMismatch, mismatch.Failure);
    }

    [Fact]
    public async Task The_due_plan_rotates_generated_secrets_and_hands_back_an_external_one_as_due()
    {
        var engine = await OpenAsync(extraItem: "," + """
                  { "name": "provider-key", "source": "external", "targets": [ { "type": "file", "path": "provider.key" } ] }
            """);
        await engine.Secrets.RotateAsync(Request("poml-token"), new RecordingReporter(), default);

        var plan = await engine.Secrets.PlanDueAsync(null, default);

        Assert.DoesNotContain(plan, p => p.Definition.Name == "poml-token");
        var routellm = Assert.Single(plan, p => p.Definition.Name == "routellm-token");
        Assert.Equal((null, null), (routellm.Due, routellm.Warning));
        var external = Assert.Single(plan, p => p.Definition.Name == "provider-key");
        Assert.Equal(("provider-key", SecretRotationOutcome.Due, null, "it has no value yet"), (external.Due!.Name, external.Due.Outcome, external.Due.FromVersion, external.Due.Reason));
        Assert.False(external.Due.Succeeded);
        Assert.Equal("'provider-key' is due, but its value comes from outside: rotate it with Update-Secret -Name provider-key -Value <SecureString>.", external.Warning);

        // Older than nothing: everything is due, and an external secret with a value says how old it is.
        await engine.Secrets.RotateAsync(Request("provider-key", value: "sk-issued-elsewhere-123456"), new RecordingReporter(), default);
        plan = await engine.Secrets.PlanDueAsync(TimeSpan.Zero, default);
        Assert.Null(Assert.Single(plan, p => p.Definition.Name == "poml-token").Due);
        var aged = Assert.Single(plan, p => p.Definition.Name == "provider-key").Due!;
        Assert.Equal(1, aged.FromVersion);
        Assert.Equal("it is 0 days old (limit 0); its value must come from its issuer", aged.Reason);
    }

    [Fact]
    public async Task A_wrong_vault_key_is_refused_and_nothing_is_written()
    {
        var engine = await OpenAsync();
        await engine.Secrets.RotateAsync(Request("routellm-token"), new RecordingReporter(), default);
        var vault = engine.Config.Secrets.VaultPath;
        var bytes = File.ReadAllBytes(vault);
        File.Move(engine.Config.Secrets.KeyFile, engine.Config.Secrets.KeyFile + ".aside");
        VaultKey.NewKeyFile(engine.Config.Secrets.KeyFile);

        var wrong = await Assert.ThrowsAsync<VaultException>(() => engine.Secrets.RotateAsync(Request("routellm-token"), new RecordingReporter(), default));

        Assert.Equal(VaultFailure.WrongKey, wrong.Failure);
        Assert.Contains("does not match", wrong.Message);
        Assert.Equal(bytes, File.ReadAllBytes(vault));
        Assert.Empty(await engine.Secrets.GetRotationsAsync("routellm-token", runningOnly: true, 5, default));
    }
}
