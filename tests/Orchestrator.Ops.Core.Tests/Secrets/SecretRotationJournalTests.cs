using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Core.Secrets;
using Microsoft.Extensions.Time.Testing;

namespace Orchestrator.Ops.Core.Tests.Secrets;

/// <summary>The journal as rotation uses it, over a store in memory: what it records, and the result it replays.</summary>
public sealed class SecretRotationJournalTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly MemorySecretStore _store = new();
    private readonly FakeTimeProvider _time = new(At);
    private readonly SecretRotationJournal _journal;

    public SecretRotationJournalTests() => _journal = new SecretRotationJournal(_store, _time);

    private static SecretRotationRecord Entry(string token, SecretRotationState state = SecretRotationState.Running, string? outcome = null, int? from = 1, DateTimeOffset? until = null) => new()
    {
        RequestToken = token,
        Name = "app-token",
        FromVersion = from,
        ToVersion = 2,
        State = state,
        Outcome = outcome,
        StartedAt = At,
        StartedBy = "tester@test",
        PreviousValidUntil = until,
    };

    [Fact]
    public async Task The_trail_is_kept_with_each_step_and_the_end_keeps_the_outcome_s_name()
    {
        Assert.True(await _journal.TryStartAsync(Entry("t-1"), default));
        var trail = new SecretRotationTrail();
        trail.Targets.Add(new SecretTargetResult("file a", "set", SecretCheckStatus.Pass, "current value only"));
        trail.Checks.Add(new SecretCheckResult("probe routellm/blue", SecretCheckStatus.Fail, "rejected the new value (HTTP 401)"));

        await _journal.StepAsync("t-1", SecretRotationStep.Created, default, toVersion: 2);
        Assert.Null(_store.Json["t-1"]);
        await _journal.StepAsync("t-1", SecretRotationStep.Testing, default, trail: trail);
        await _journal.EndAsync("t-1", SecretRotationState.Reverted, SecretRotationOutcome.Reverted, "a probe failed", null, trail, default);

        var ended = (await _journal.FindAsync("t-1", default))!;
        Assert.Equal(("Reverted", SecretRotationState.Reverted), (ended.Outcome, ended.State));
        Assert.Contains("\"targets\"", ended.ResultJson, StringComparison.Ordinal);
        Assert.Contains("\"checks\"", ended.ResultJson, StringComparison.Ordinal);

        var replayed = SecretRotationJournal.Replay(ended, TimeSpan.FromSeconds(3));
        Assert.Equal(SecretRotationOutcome.Reverted, replayed.Outcome);
        Assert.Equal(trail.Targets, replayed.Targets);
        Assert.Equal(trail.Checks, replayed.Checks);
        Assert.Equal(("a probe failed", "t-1", 1, 2), (replayed.Reason, replayed.RequestToken, replayed.FromVersion, replayed.ToVersion));
        Assert.Equal(TimeSpan.FromSeconds(3), replayed.Duration);
    }

    [Fact]
    public void A_replay_without_a_readable_trail_has_no_rows_and_says_nothing_was_done_again()
    {
        var replayed = SecretRotationJournal.Replay(Entry("t-1", SecretRotationState.Succeeded, "Rotated") with { ResultJson = "{ not json" }, TimeSpan.Zero);

        Assert.Equal(SecretRotationOutcome.Rotated, replayed.Outcome);
        Assert.Empty(replayed.Targets);
        Assert.Empty(replayed.Checks);
        Assert.Equal("this request token's rotation had already ended; nothing was done again", replayed.Reason);
    }

    [Theory]
    [InlineData("Refused", SecretRotationState.Reverted, 1, SecretRotationOutcome.Refused)]
    [InlineData("Completed", SecretRotationState.Succeeded, 1, SecretRotationOutcome.Completed)]
    [InlineData(null, SecretRotationState.Succeeded, 1, SecretRotationOutcome.Rotated)]
    [InlineData(null, SecretRotationState.Succeeded, null, SecretRotationOutcome.Created)]
    [InlineData("Exploded", SecretRotationState.Reverted, 1, SecretRotationOutcome.Reverted)]
    [InlineData("99", SecretRotationState.Reverted, 1, SecretRotationOutcome.Reverted)]
    public void An_entry_s_outcome_is_its_recorded_name_or_else_follows_its_state(string? recorded, SecretRotationState state, int? from, SecretRotationOutcome expected) =>
        Assert.Equal(expected, SecretRotationJournal.OutcomeOf(Entry("t", state, recorded, from)));

    [Fact]
    public async Task The_last_success_is_the_newest_succeeded_entry()
    {
        Assert.Null(await _journal.LastSucceededAsync("app-token", default));
        await _journal.TryStartAsync(Entry("old", SecretRotationState.Succeeded, "Rotated", until: At.AddHours(1)), default);
        await _journal.TryStartAsync(Entry("new", SecretRotationState.Succeeded, "Rotated", until: At.AddHours(2)), default);
        await _journal.TryStartAsync(Entry("failed", SecretRotationState.Reverted, "Reverted"), default);

        Assert.Equal("new", (await _journal.LastSucceededAsync("app-token", default))!.RequestToken);

        _time.Advance(TimeSpan.FromMinutes(5));
        await _journal.MarkPreviousRemovedAsync("app-token", default);
        Assert.All(_store.Entries.Where(e => e.State != SecretRotationState.Running), e => Assert.Equal(At.AddMinutes(5), e.PreviousRemovedAt));
    }

    [Fact]
    public async Task A_second_running_rotation_of_a_secret_is_not_started_and_the_first_is_found()
    {
        Assert.True(await _journal.TryStartAsync(Entry("first"), default));

        Assert.False(await _journal.TryStartAsync(Entry("second"), default));
        Assert.Equal("first", (await _journal.RunningAsync("app-token", default))!.RequestToken);
    }

    /// <summary>The journal's store in memory, newest entry first, one running rotation per secret (as the SQLite one).</summary>
    private sealed class MemorySecretStore : ISecretStore
    {
        public List<SecretRotationRecord> Entries { get; } = [];

        public Dictionary<string, string?> Json { get; } = [];

        public Task<bool> TryAddRotationAsync(SecretRotationRecord record, CancellationToken cancellationToken)
        {
            var taken = Entries.Any(e => e.RequestToken == record.RequestToken
                || (record.State == SecretRotationState.Running && e.State == SecretRotationState.Running && e.Name == record.Name));
            if (!taken)
            {
                Entries.Insert(0, record);
                Json[record.RequestToken] = record.ResultJson;
            }

            return Task.FromResult(!taken);
        }

        public Task<SecretRotationRecord?> GetRotationAsync(string requestToken, CancellationToken cancellationToken) =>
            Task.FromResult(Entries.FirstOrDefault(e => e.RequestToken == requestToken));

        public Task<IReadOnlyList<SecretRotationRecord>> GetRotationsAsync(string? name, bool runningOnly, int limit, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SecretRotationRecord>>(Entries
                .Where(e => (name is null || e.Name == name) && (!runningOnly || e.State == SecretRotationState.Running)).Take(limit).ToList());

        public Task SetStepAsync(string requestToken, SecretRotationStep step, int? toVersion, string? resultJson, CancellationToken cancellationToken)
        {
            Change(requestToken, e => e with { Step = step, ToVersion = toVersion ?? e.ToVersion, ResultJson = resultJson ?? e.ResultJson });
            return Task.CompletedTask;
        }

        public Task EndRotationAsync(string requestToken, SecretRotationState state, string outcome, string? reason, DateTimeOffset? previousValidUntil, string? resultJson, CancellationToken cancellationToken)
        {
            Change(requestToken, e => e with
            {
                Step = SecretRotationStep.Completed,
                State = state,
                Outcome = outcome,
                Reason = reason,
                PreviousValidUntil = previousValidUntil,
                ResultJson = resultJson ?? e.ResultJson,
            });
            return Task.CompletedTask;
        }

        public Task MarkPreviousRemovedAsync(string name, DateTimeOffset at, CancellationToken cancellationToken)
        {
            foreach (var e in Entries.Where(e => e.Name == name && e.State != SecretRotationState.Running && e.PreviousRemovedAt is null).ToList())
            {
                Change(e.RequestToken, x => x with { PreviousRemovedAt = at });
            }

            return Task.CompletedTask;
        }

        private void Change(string token, Func<SecretRotationRecord, SecretRotationRecord> change)
        {
            var i = Entries.FindIndex(e => e.RequestToken == token);
            Entries[i] = change(Entries[i]);
            Json[token] = Entries[i].ResultJson;
        }
    }
}
