using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Secrets;
using Orchestrator.Ops.Core.Secrets.Targets;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Secrets;

/// <summary>
/// The test step on its own: how a probe is judged, what a rotation says it will check, and the test command run
/// through a runner in memory (the probes against live wrappers are covered by <see cref="SecretRotationTests"/>).
/// </summary>
public sealed class SecretConsumerVerifierTests : IAsyncLifetime
{
    private static readonly SecretValue Candidate = SecretValue.FromString("candidate-value-5e4d3c2b1a09f8e7");
    private static readonly CommandSettings TestCommand = new(["check-token", "--quiet"], TimeSpan.FromSeconds(5));
    private readonly TempFolder _dir = new();
    private readonly FakeSecretTarget _runner = new($"command {TestCommand.Display}");
    private OpsEngine _engine = null!;

    public async Task InitializeAsync() =>
        _engine = await OpsEngine.OpenAsync(OpsConfigLoader.Load(_dir.Write("ops.json", ConfigText.Minimal)), null, default);

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _dir.Dispose();
    }

    private SecretConsumerVerifier Verifier() =>
        new(_engine.Config, _engine.Health, d => d.Kind == SecretTargetKind.Command && d.Command == TestCommand ? _runner : throw new InvalidOperationException($"unexpected target {d.Display}"), TimeProvider.System);

    private static OperationRecord Probe(string slot, OperationStatus status, int? code, string? error = null) => new()
    {
        Wrapper = "routellm",
        Slot = slot,
        Source = OperationSource.Probe,
        OperationType = "health",
        StartedAt = DateTimeOffset.UnixEpoch,
        DurationMs = 12.5,
        Status = status,
        StatusCode = code,
        ErrorMessage = error,
    };

    [Fact]
    public void A_probe_fails_the_test_when_rejected_anywhere_or_failing_in_the_active_slot()
    {
        var pass = SecretConsumerVerifier.Judge(Probe("green", OperationStatus.Success, 200), "blue");
        Assert.Equal(new SecretCheckResult("probe routellm/green", SecretCheckStatus.Pass, "HTTP 200 in 12.5 ms"), pass.Check);
        Assert.Null(pass.Failure);

        var rejected = SecretConsumerVerifier.Judge(Probe("green", OperationStatus.Error, 403), "blue");
        Assert.Equal(SecretCheckStatus.Fail, rejected.Check.Status);
        Assert.Equal("routellm in slot green rejected the new value (HTTP 403)", rejected.Failure);

        var active = SecretConsumerVerifier.Judge(Probe("BLUE", OperationStatus.Timeout, null, "timed out"), "blue");
        Assert.Equal(SecretCheckStatus.Fail, active.Check.Status);
        Assert.Equal("routellm in the active slot BLUE could not be verified: timed out", active.Failure);

        var idle = SecretConsumerVerifier.Judge(Probe("green", OperationStatus.Error, 502, "bad gateway"), "blue");
        Assert.Equal(new SecretCheckResult("probe routellm/green", SecretCheckStatus.Warn, "idle slot not reachable, not verified: bad gateway"), idle.Check);
        Assert.Null(idle.Failure);
    }

    [Fact]
    public void The_description_names_each_kind_of_check_a_rotation_runs()
    {
        var all = new ManagedSecretDefinition { Name = "service-api-key", Wrappers = ["routellm"], IsServiceApiKey = true, TestCommand = TestCommand };

        Assert.Equal(
            ["probes of routellm in slots blue, green", "the monitoring service's authentication", "test command check-token --quiet"],
            SecretConsumerVerifier.Describe(_engine.Config, all));
        Assert.Empty(SecretConsumerVerifier.Describe(_engine.Config, new ManagedSecretDefinition { Name = "plain" }));
    }

    [Fact]
    public async Task A_secret_nothing_consumes_gets_one_skipped_check_and_passes()
    {
        var checks = new List<SecretCheckResult>();

        var failure = await Verifier().VerifyAsync(new ManagedSecretDefinition { Name = "plain" }, Candidate, checks, default);

        Assert.Null(failure);
        Assert.Equal(SecretCheckStatus.Skipped, Assert.Single(checks).Status);
    }

    [Fact]
    public async Task The_test_command_gets_the_candidate_and_its_failure_fails_the_test()
    {
        var definition = new ManagedSecretDefinition { Name = "app-token", TestCommand = TestCommand };
        var checks = new List<SecretCheckResult>();

        Assert.Null(await Verifier().VerifyAsync(definition, Candidate, checks, default));
        Assert.Equal(new SecretCheckResult("test command check-token --quiet", SecretCheckStatus.Pass, null), Assert.Single(checks));
        Assert.Equal(Candidate.RevealString(), _runner.Current!.RevealString());
        Assert.Null(_runner.Previous);

        _runner.Refuses = true;
        checks.Clear();
        var failure = await Verifier().VerifyAsync(definition, Candidate, checks, default);

        Assert.Equal($"the test command failed: command {TestCommand.Display} is not writable", failure);
        Assert.Equal(SecretCheckStatus.Fail, Assert.Single(checks).Status);
    }
}
