using System.Management.Automation;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.PowerShell.Tests;

public sealed class ConfigCmdletTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ops-ps-config-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly PowerShellSession _ps;

    public ConfigCmdletTests()
    {
        Directory.CreateDirectory(_dir);
        _ps = new PowerShellSession(_dir);
    }

    public void Dispose()
    {
        _ps.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Valid = """
        {
          "wrappers": [ { "name": "routellm", "kind": "routellm" } ],
          "slots": { "blue": { "routellm": "http://127.0.0.1:9" }, "green": { "routellm": "http://127.0.0.1:9" } }
        }
        """;

    [Fact]
    public void Test_OpsConfiguration_lists_every_problem_as_objects()
    {
        Write("bad.json", """{ "wrappers": [ { "name": "x", "kind": "nope" } ], "slots": { "blue": { "x": "not a url" } }, "extra": 1 }""");

        var problems = _ps.Invoke("Test-OpsConfiguration -ConfigPath ./bad.json").Select(o => (ConfigurationProblem)o.BaseObject).ToList();

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.JsonPath == "$.wrappers[0].kind");
        Assert.Contains(problems, p => p.JsonPath == "$.slots.blue.x");
        Assert.Contains(problems, p => p.JsonPath == "$.extra");
        Assert.All(problems, p => Assert.Equal(Path.Combine(_dir, "bad.json"), p.File));
        Assert.Equal([false], _ps.Invoke("Test-OpsConfiguration -ConfigPath ./bad.json -Quiet").Select(o => (bool)o.BaseObject));
    }

    [Fact]
    public void A_valid_config_has_no_problems()
    {
        Write("ok.json", Valid);

        Assert.Empty(_ps.Invoke("Test-OpsConfiguration -ConfigPath ./ok.json"));
        Assert.Equal([true], _ps.Invoke("Test-OpsConfiguration -ConfigPath ./ok.json -Quiet").Select(o => (bool)o.BaseObject));
        Assert.Equal([false], _ps.Invoke("Test-OpsConfiguration -ConfigPath ./missing.json -Quiet").Select(o => (bool)o.BaseObject));
    }

    [Fact]
    public void A_broken_config_stops_the_command_naming_file_path_and_problem_and_starts_nothing()
    {
        var path = Write("broken.json", """{ "wrappers": [ { "name": "routellm", "kind": "routellm" } ], "slots": { "blue": { "routellm": "http://127.0.0.1:9" } }, "thresholds": { "maxP95Ms": -3 } }""");

        var ex = _ps.Fails("Get-WrapperHealth -ConfigPath ./broken.json");

        Assert.StartsWith("ConfigurationInvalid,", ex.ErrorRecord.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, ex.ErrorRecord.CategoryInfo.Category);
        Assert.Equal(path, ex.ErrorRecord.TargetObject);
        Assert.Contains(path, ex.ErrorRecord.ToString());
        Assert.Contains("$.thresholds.maxP95Ms", ex.ErrorRecord.ToString());
        Assert.False(Directory.Exists(Path.Combine(_dir, "state")), "nothing may start on a broken configuration");
    }

    [Fact]
    public void A_missing_config_says_how_to_get_one()
    {
        var ex = _ps.Fails("Get-SystemHealth -ConfigPath ./none.json");

        Assert.StartsWith("ConfigurationNotFound,", ex.ErrorRecord.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, ex.ErrorRecord.CategoryInfo.Category);
        Assert.Contains("Start-OpsSandbox", ex.ErrorRecord.ToString());
    }

    [Fact]
    public void A_corrupt_store_is_a_clear_error_and_the_file_is_kept()
    {
        Write("ok.json", Valid);
        Directory.CreateDirectory(Path.Combine(_dir, "state"));
        var db = Write("state/ops.db", new string('x', 4096));

        var ex = _ps.Fails("Get-WrapperHealth -ConfigPath ./ok.json");

        Assert.StartsWith("StateStoreCorrupt,", ex.ErrorRecord.FullyQualifiedErrorId);
        Assert.Equal(db, ex.ErrorRecord.TargetObject);
        Assert.Equal(new string('x', 4096), File.ReadAllText(db));
    }

    [Fact]
    public void WhatIf_starts_no_sandbox()
    {
        _ps.Invoke("Start-OpsSandbox -Root ./sb -WhatIf");

        Assert.False(File.Exists(Path.Combine(_dir, "sb", "sandbox.json")));
        Assert.False(File.Exists(Path.Combine(_dir, "sb", "orchestrator-ops.json")));
    }
}
