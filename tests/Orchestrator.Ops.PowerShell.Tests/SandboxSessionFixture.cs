using System.Net.Http.Json;
using Orchestrator.Ops.Core.SandboxProcess;

namespace Orchestrator.Ops.PowerShell.Tests;

/// <summary>One runspace with a sandbox started through Start-OpsSandbox, shared by a test class.</summary>
public sealed class SandboxSessionFixture : IDisposable
{
    private readonly HttpClient _http = new();

    public SandboxSessionFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "ops-ps-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Session = new PowerShellSession(Root);
        var info = Session.Invoke("Start-OpsSandbox -Root $args[0] -PassThru", Root);
        Sandbox = (SandboxInfo)Assert.Single(info).BaseObject;
    }

    public string Root { get; }

    public PowerShellSession Session { get; }

    public SandboxInfo Sandbox { get; }

    /// <summary>Changes one instance through the sandbox's control API.</summary>
    public async Task SetAsync(string wrapper, string slot, object settings)
    {
        using var r = await _http.PostAsJsonAsync(new Uri(Sandbox.ControlUrl, $"/control/instances/{wrapper}/{slot}"), settings);
        r.EnsureSuccessStatusCode();
    }

    /// <summary>How many requests the instance has received, from the sandbox's control API.</summary>
    public async Task<long> RequestCountAsync(string wrapper, string slot)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(await _http.GetStringAsync(new Uri(Sandbox.ControlUrl, "/control/state")));
        return doc.RootElement.EnumerateArray()
            .Single(e => e.GetProperty("wrapper").GetString() == wrapper && e.GetProperty("slot").GetString() == slot)
            .GetProperty("requests").GetInt64();
    }

    public async Task ResetAsync()
    {
        using var r = await _http.PostAsync(new Uri(Sandbox.ControlUrl, "/control/reset"), null);
        r.EnsureSuccessStatusCode();
    }

    public void Dispose()
    {
        Session.Invoke("Stop-OpsSandbox -Root $args[0]", Root);
        Session.Dispose();
        _http.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
