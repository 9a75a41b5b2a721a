using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using System.Text.Json.Nodes;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.PowerShell.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Orchestrator.Ops.PowerShell.Tests;

/// <summary>
/// Nothing waits for a person: every state-changing cmdlet of the module, run the way a scheduled script runs it
/// (-Confirm:$false, and -Force where it has one) against a real sandbox fleet in a host that refuses and records every
/// prompt, must finish within its bound without asking anything — with PowerShell's default $ConfirmPreference, and
/// with $ConfirmPreference = 'Low', which would make every one of them ask if -Confirm:$false did not win.
/// </summary>
[Collection("sandbox")]
public sealed class NoPromptTests(ITestOutputHelper output)
{
    /// <summary>How long one invocation may take before it counts as a hang.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    /// <summary>
    /// One invocation per line, in the order a pass runs them; scripts run in the runspace's global scope, so a variable
    /// one sets ($Cfg, $Backup) is there for the next. $Root is the pass's sandbox root.
    /// </summary>
    private static readonly IReadOnlyList<Step> Steps =
    [
        new("Start-OpsSandbox", "$Sandbox = Start-OpsSandbox -Root $Root -PassThru -Confirm:$false; $Cfg = $Sandbox.ConfigPath; $Sandbox")
        {
            Output = "SandboxInfo",
            After = pass => ServiceOnFreePorts(pass.ConfigPath),
        },
        new("New-RollbackPoint", "New-RollbackPoint -ConfigPath $Cfg -Description 'no-prompt baseline' -Stable -Confirm:$false") { Output = "RollbackPoint" },
        new("Switch-DeploymentSlot", "Switch-DeploymentSlot green -ConfigPath $Cfg -AnalysisDuration 0 -Confirm:$false") { Output = "DeploymentSwitchResult", Outcome = "Switched" },
        new("Invoke-Rollback", "Invoke-Rollback -ToStable -ConfigPath $Cfg -Confirm:$false") { Output = "RollbackResult" },
        new("Invoke-Deployment", "Invoke-Deployment 1.2.0 -ConfigPath $Cfg -AnalysisDuration 0 -Confirm:$false") { Output = "DeploymentRunResult", Outcome = "Deployed" },
        new("New-Backup", "$Backup = New-Backup -ConfigPath $Cfg -Description 'no-prompt' -Tag noprompt -Confirm:$false; $Backup") { Output = "Backup" },
        new("New-Backup", "New-Backup -ConfigPath $Cfg -Description 'no-prompt, second' -Confirm:$false") { Output = "Backup" },
        new("New-Backup", "New-Backup -ConfigPath $Cfg -Description 'no-prompt, third' -Confirm:$false") { Output = "Backup" },
        new("Restore-Backup", "Restore-Backup -Id $Backup.Id -ConfigPath $Cfg -Destination (Join-Path $Root 'restored') -Confirm:$false") { Output = "RestoreResult" },
        new("Remove-Backup", "Remove-Backup -Id $Backup.Id -ConfigPath $Cfg -Confirm:$false"),

        // Two backups are left: the policy removes one of them, asking ShouldProcess for it.
        new("Remove-Backup", "Remove-Backup -KeepLast 1 -ConfigPath $Cfg -PassThru -Confirm:$false") { Output = "RetentionDecision" },
        new("Update-Secret", "Update-Secret -Name routellm-token -ConfigPath $Cfg -GracePeriod 1h -Confirm:$false") { Output = "SecretRotationResult", Outcome = "Rotated" },
        new("Update-Secret", "Update-Secret -CompleteExpired -Name routellm-token -Force -ConfigPath $Cfg -Confirm:$false") { Output = "SecretRotationResult", Outcome = "Completed" },
        new("Confirm-HealthAlert", "Confirm-HealthAlert -Id $AlertId -ConfigPath $Cfg -By noprompt -PassThru -Confirm:$false")
        {
            Output = "HealthAlert",
            Before = RaiseAlertAsync,
        },
        new("Start-OpsService", "Start-OpsService -ConfigPath $Cfg -PassThru -Confirm:$false") { Output = "OpsServiceInfo" },
        new("Stop-OpsService", "Stop-OpsService -ConfigPath $Cfg -Confirm:$false"),

        // The report exists already, so only -Force lets it be replaced.
        new("Invoke-OpsRunbook", "Invoke-OpsRunbook DailyMaintenance -ConfigPath $Cfg -Report (Join-Path $Root 'daily.md') -Force -Confirm:$false")
        {
            Output = "RunbookCheck",
            Before = pass => File.WriteAllTextAsync(Path.Combine(pass.Root, "daily.md"), "an older report\n"),
            After = pass => Task.Run(() => Assert.NotEqual("an older report\n", File.ReadAllText(Path.Combine(pass.Root, "daily.md")))),
        },
        new("Stop-OpsSandbox", "Stop-OpsSandbox -Root $Root -Confirm:$false"),
    ];

    /// <summary>The cmdlets whose CmdletAttribute says SupportsShouldProcess: the ones that change state.</summary>
    private static IReadOnlyList<Type> StateChangingCmdlets() =>
        typeof(Commands.GetWrapperHealthCommand).Assembly.GetTypes()
            .Where(t => typeof(Cmdlet).IsAssignableFrom(t) && !t.IsAbstract && t.GetCustomAttribute<CmdletAttribute>() is { SupportsShouldProcess: true })
            .ToList();

    private static string NameOf(Type cmdlet)
    {
        var a = cmdlet.GetCustomAttribute<CmdletAttribute>()!;
        return $"{a.VerbName}-{a.NounName}";
    }

    [Fact]
    public void The_table_invokes_every_state_changing_cmdlet_and_nothing_else()
    {
        var reflected = StateChangingCmdlets().Select(NameOf).Order(StringComparer.Ordinal).ToList();

        // A new state-changing cmdlet fails here until the table knows how to invoke it.
        Assert.Contains("Switch-DeploymentSlot", reflected);
        Assert.Equal(reflected, Steps.Select(s => s.Cmdlet).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_invocation_turns_confirmation_off_and_uses_Force_where_the_cmdlet_has_it()
    {
        var stateChanging = StateChangingCmdlets().ToDictionary(NameOf, StringComparer.OrdinalIgnoreCase);
        foreach (var step in Steps)
        {
            var ast = Parser.ParseInput(step.Script, out _, out var parseErrors);
            Assert.Empty(parseErrors);
            var calls = ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>().ToList();

            // The line runs its own cmdlet once and no other state-changing one, so each prompt is charged to the right line.
            var call = Assert.Single(calls, c => stateChanging.ContainsKey(c.GetCommandName() ?? string.Empty));
            Assert.Equal(step.Cmdlet, call.GetCommandName());
            var confirm = call.CommandElements.OfType<CommandParameterAst>().SingleOrDefault(p => p.ParameterName == "Confirm");
            Assert.True(confirm?.Argument is VariableExpressionAst { VariablePath.UserPath: "false" }, $"'{step.Script}' must pass -Confirm:$false");
        }

        foreach (var (name, type) in stateChanging)
        {
            if (type.GetProperty("Force")?.GetCustomAttributes<ParameterAttribute>().Any() != true)
            {
                continue;
            }

            Assert.True(
                Steps.Where(s => s.Cmdlet == name).Any(s => Parser.ParseInput(s.Script, out _, out _).FindAll(a => a is CommandParameterAst { ParameterName: "Force" }, true).Any()),
                $"{name} has -Force: at least one of its invocations must pass it");
        }
    }

    [Theory]
    [InlineData("High")]
    [InlineData("Low")]
    public async Task No_state_changing_cmdlet_prompts_or_hangs(string confirmPreference)
    {
        var root = Path.Combine(Path.GetTempPath(), "ops-ps-noprompt-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var host = new FailingPromptHost();
        var session = new PowerShellSession(root, host);
        var pass = new Pass(session, root);
        var problems = new List<string>();
        var succeeded = new List<string>();
        try
        {
            session.SetVariable("Root", root);
            session.SetVariable("ConfirmPreference", Enum.Parse<ConfirmImpact>(confirmPreference));
            foreach (var step in Steps)
            {
                if (step.Before is not null)
                {
                    await step.Before(pass);
                }

                host.CurrentInvocation = step.Script;
                var run = session.InvokeWithin(Bound, step.Script);
                host.CurrentInvocation = "(between invocations)";
                if (run.TimedOut)
                {
                    problems.Add($"{step.Cmdlet} hung: {run.Describe()} — '{step.Script}'");
                    break;
                }

                var wrong = Check(step, run);
                output.WriteLine($"{run.Elapsed.TotalSeconds,6:0.0} s  {step.Cmdlet,-22} {wrong ?? "ok"}: {string.Join(", ", run.Output.Take(3).Select(o => o.BaseObject.GetType().Name))}");
                if (wrong is not null)
                {
                    problems.Add($"{step.Cmdlet} {wrong} — '{step.Script}'");
                    continue;
                }

                succeeded.Add(step.Cmdlet);
                if (step.After is not null)
                {
                    await step.After(pass);
                }
            }

            // The preference was in force all along; -Confirm:$false is what kept the cmdlets quiet.
            Assert.Equal(confirmPreference, session.GetVariable("ConfirmPreference")?.ToString());
        }
        finally
        {
            host.CurrentInvocation = "(cleanup)";
            session.InvokeWithin(Bound, "if ($Cfg) { Stop-OpsService -ConfigPath $Cfg -Confirm:$false -ErrorAction SilentlyContinue }; Stop-OpsSandbox -Root $Root -Confirm:$false -ErrorAction SilentlyContinue");
            session.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        Assert.True(host.Prompts.Count == 0, "prompted:\n" + string.Join("\n", host.Prompts));
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\nhost output:\n" + string.Join(string.Empty, host.Written.TakeLast(40)));
        Assert.Equal(Steps.Select(s => s.Cmdlet), succeeded);
    }

    /// <summary>Why a step's run is not what the table expects, or null when it is.</summary>
    private static string? Check(Step step, BoundedInvocation run)
    {
        if (!run.Succeeded)
        {
            return $"failed: {run.Describe()}";
        }

        if (step.Output is null)
        {
            return run.Output.Count == 0 ? null : $"wrote {run.Output.Count} object(s) where none were expected";
        }

        var first = run.Output.FirstOrDefault()?.BaseObject;
        if (first is null || first.GetType().Name != step.Output)
        {
            return $"wrote {first?.GetType().Name ?? "nothing"}, not {step.Output}";
        }

        var outcome = step.Outcome is null ? null : first.GetType().GetProperty("Outcome")?.GetValue(first)?.ToString();
        return outcome == step.Outcome ? null : $"ended {outcome}, not {step.Outcome}";
    }

    /// <summary>The sandbox's configuration with the monitoring service on free ports, so a pass never collides with a real :5000.</summary>
    private static async Task ServiceOnFreePorts(string configPath)
    {
        var doc = JsonNode.Parse(await File.ReadAllTextAsync(configPath))!.AsObject();
        doc["service"] = new JsonObject { ["apiPort"] = 0, ["gatewayPort"] = 0 };
        await File.WriteAllTextAsync(configPath, doc.ToJsonString());
    }

    /// <summary>Fires an event alert through the engine, as a rolled-back deployment would, for Confirm-HealthAlert to acknowledge.</summary>
    private static async Task RaiseAlertAsync(Pass pass)
    {
        await using var engine = await OpsEngine.OpenAsync(OpsConfigLoader.Load(pass.ConfigPath), null, default);
        var alert = await engine.Alerts.RaiseEventAsync("NoPromptProbe", AlertSeverity.Warning, "routellm", "blue", 1, 0, "raised by NoPromptTests for Confirm-HealthAlert", default);
        pass.Session.SetVariable("AlertId", alert.Id);
    }

    private sealed record Step(string Cmdlet, string Script)
    {
        /// <summary>The type of the first object it must write; null: it must write nothing.</summary>
        public string? Output { get; init; }

        /// <summary>The Outcome its first object must report, when it has one worth checking.</summary>
        public string? Outcome { get; init; }

        public Func<Pass, Task>? Before { get; init; }

        public Func<Pass, Task>? After { get; init; }
    }

    private sealed record Pass(PowerShellSession Session, string Root)
    {
        public string ConfigPath => Session.GetVariable("Cfg")?.ToString() ?? throw new InvalidOperationException("Start-OpsSandbox did not set $Cfg.");
    }
}
