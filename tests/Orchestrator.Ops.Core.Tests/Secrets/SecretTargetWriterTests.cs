using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Secrets;
using Orchestrator.Ops.Core.Secrets.Targets;

namespace Orchestrator.Ops.Core.Tests.Secrets;

/// <summary>Writing a secret to its targets and putting it back, with targets in memory.</summary>
public sealed class SecretTargetWriterTests : IDisposable
{
    private static readonly SecretValue Current = SecretValue.FromString("current-value-1a2b3c4d5e6f7a8b");
    private static readonly SecretValue Pending = SecretValue.FromString("pending-value-9f8e7d6c5b4a3928");
    private static readonly SecretValue Previous = SecretValue.FromString("previous-value-0123456789abcdef");

    private readonly TempFolder _temp = new();
    private readonly Dictionary<string, FakeSecretTarget> _targets = [];
    private readonly SecretTargetWriter _writer;

    public SecretTargetWriterTests()
    {
        var settings = new SecretSettings { VaultPath = _temp.File("vault.bin"), KeyFile = _temp.File("vault.key") };
        _writer = new SecretTargetWriter(settings, d => _targets[d.Path ?? d.Command!.Display]);
    }

    public void Dispose() => _temp.Dispose();

    private ManagedSecretDefinition Secret(params string[] files)
    {
        foreach (var f in files)
        {
            _targets.TryAdd(f, new FakeSecretTarget($"file {f}"));
        }

        return new ManagedSecretDefinition { Name = "app-token", Targets = files.Select(f => new SecretTargetDefinition { Kind = SecretTargetKind.File, Path = f }).ToList() };
    }

    private static HashSet<string> None => [];

    [Fact]
    public async Task Every_target_gets_both_values_and_a_pass_row()
    {
        var definition = Secret("a", "b");
        var rows = new List<SecretTargetResult>();

        await _writer.WriteAsync(definition, Pending, Current, "set", rows, default);

        Assert.All(_targets.Values, t => Assert.Equal((Pending.RevealString(), Current.RevealString()), (t.Current!.RevealString(), t.Previous!.RevealString())));
        Assert.Equal(["file a", "file b"], rows.Select(r => r.Target));
        Assert.All(rows, r => Assert.Equal(("set", SecretCheckStatus.Pass, "current value, previous beside it"), (r.Action, r.Status, r.Detail)));

        rows.Clear();
        await _writer.WriteAsync(definition, Pending, null, "remove previous", rows, default);
        Assert.All(_targets.Values, t => Assert.Null(t.Previous));
        Assert.All(rows, r => Assert.Equal("current value only", r.Detail));
    }

    [Fact]
    public async Task The_first_target_that_refuses_stops_the_run_with_a_fail_row()
    {
        var definition = Secret("a", "b", "c");
        _targets["b"].Refuses = true;
        var rows = new List<SecretTargetResult>();

        var e = await Assert.ThrowsAsync<SecretTargetException>(() => _writer.WriteAsync(definition, Pending, Current, "set", rows, default));

        Assert.Equal("file b", e.Target);
        Assert.Equal([("file a", SecretCheckStatus.Pass), ("file b", SecretCheckStatus.Fail)], rows.Select(r => (r.Target, r.Status)));
        Assert.Equal(0, _targets["c"].Writes);
    }

    [Fact]
    public async Task A_revert_tolerates_a_target_this_run_never_wrote()
    {
        var definition = Secret("a", "b");
        _targets["b"].Refuses = true;
        _targets["b"].Current = Pending; // what it reads back does not matter: the set never reached it
        var rows = new List<SecretTargetResult>();

        await _writer.RevertAsync(definition, Current, Previous, Pending, new HashSet<string> { "file b" }, rows, default);

        Assert.Equal(Current.RevealString(), _targets["a"].Current!.RevealString());
        Assert.Equal(Previous.RevealString(), _targets["a"].Previous!.RevealString());
        Assert.Equal([("revert", SecretCheckStatus.Pass), ("revert", SecretCheckStatus.Warn)], rows.Select(r => (r.Action, r.Status)));
        Assert.StartsWith("not writable, but it never got the new value", rows[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revert_tolerates_a_written_target_that_reads_back_as_something_else()
    {
        var definition = Secret("a");
        _targets["a"].Refuses = true;
        _targets["a"].Current = Current;
        var rows = new List<SecretTargetResult>();

        await _writer.RevertAsync(definition, Current, null, Pending, None, rows, default);

        Assert.Equal(SecretCheckStatus.Warn, Assert.Single(rows).Status);
    }

    [Fact]
    public async Task A_revert_fails_at_a_target_that_still_holds_the_pending_value()
    {
        var definition = Secret("a", "b");
        _targets["a"].Refuses = true;
        _targets["a"].Current = Pending;
        var rows = new List<SecretTargetResult>();

        var e = await Assert.ThrowsAsync<SecretTargetException>(() => _writer.RevertAsync(definition, Current, null, Pending, None, rows, default));

        Assert.Equal("file a", e.Target);
        Assert.Equal(SecretCheckStatus.Fail, Assert.Single(rows).Status);
        Assert.Equal(0, _targets["b"].Writes);
    }

    [Fact]
    public async Task A_revert_fails_at_a_written_command_since_it_cannot_be_read_back()
    {
        var command = new CommandSettings(["reload-app"], TimeSpan.FromSeconds(5));
        _targets[command.Display] = new FakeSecretTarget($"command {command.Display}") { Refuses = true, Unreadable = true };
        var definition = new ManagedSecretDefinition { Name = "app-token", Targets = [new SecretTargetDefinition { Kind = SecretTargetKind.Command, Command = command }] };
        var rows = new List<SecretTargetResult>();

        await Assert.ThrowsAsync<SecretTargetException>(() => _writer.RevertAsync(definition, Current, null, Pending, None, rows, default));
        Assert.Equal(SecretCheckStatus.Fail, Assert.Single(rows).Status);

        // The same command is tolerated when this run never wrote it.
        rows.Clear();
        await _writer.RevertAsync(definition, Current, null, Pending, new HashSet<string> { $"command {command.Display}" }, rows, default);
        Assert.Equal(SecretCheckStatus.Warn, Assert.Single(rows).Status);
    }

    [Fact]
    public void The_existing_value_is_the_first_target_that_holds_one()
    {
        var definition = Secret("a", "b", "c");
        _targets["b"].Current = SecretValue.FromString(string.Empty);
        _targets["c"].Current = Current;

        Assert.Equal(Current.RevealString(), _writer.ReadExisting(definition)!.RevealString());

        _targets["c"].Current = null;
        Assert.Null(_writer.ReadExisting(definition));
    }
}
