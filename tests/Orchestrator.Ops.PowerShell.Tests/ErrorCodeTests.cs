using System.Management.Automation;
using System.Text.RegularExpressions;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Backups;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.Core.Logs;
using Orchestrator.Ops.Core.Remote;
using Orchestrator.Ops.Core.SandboxProcess;
using Orchestrator.Ops.Core.Secrets;
using Orchestrator.Ops.Core.ServiceProcess;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.PowerShell.Infrastructure;

namespace Orchestrator.Ops.PowerShell.Tests;

/// <summary>One ErrorId per condition, from one place: OpsErrorCodes, which the engine's exceptions and the cmdlets both use.</summary>
public sealed partial class ErrorCodeTests
{
    [Fact]
    public void Every_code_is_defined_once_with_a_category_PowerShell_has()
    {
        var ids = OpsErrorCodes.All.Select(c => c.Id).ToList();

        Assert.True(ids.Count > 50, $"only {ids.Count} codes were found");
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var category in Enum.GetValues<OpsErrorCategory>())
        {
            Assert.True(Enum.TryParse<ErrorCategory>(category.ToString(), out _), $"{category} is not a PowerShell ErrorCategory");
        }

        Assert.Equal(ErrorCategory.ResourceBusy, OpsCmdlet.CategoryOf(OpsErrorCodes.DeploymentLocked));
        Assert.Equal(ErrorCategory.NotInstalled, OpsCmdlet.CategoryOf(OpsErrorCodes.DotnetRuntimeMissing));
    }

    [Fact]
    public void Every_failure_of_every_capability_has_a_code_of_the_catalog_and_no_two_share_one()
    {
        var codes = new List<(string Failure, OpsErrorCode Code)>();
        void Add<T>(Func<T, OpsErrorCode> codeOf) where T : struct, Enum =>
            codes.AddRange(Enum.GetValues<T>().Select(v => ($"{typeof(T).Name}.{v}", codeOf(v))));
        Add<DeploymentFailure>(DeploymentException.CodeOf);
        Add<BackupFailure>(BackupException.CodeOf);
        Add<SecretFailure>(SecretException.CodeOf);
        Add<VaultFailure>(VaultException.CodeOf);
        Add<StateStoreFailure>(StateStoreException.CodeOf);
        Add<LogFailure>(LogException.CodeOf);
        Add<OpsApiFailure>(OpsApiException.CodeOf);
        Add<ConfigurationFailure>(f => new OpsConfigurationException("x.json", f, "m").Code);
        codes.Add(("SandboxException", new SandboxException("m").Code));
        codes.Add(("SandboxException.AlreadyRunning", new SandboxException("m", alreadyRunning: true).Code));
        codes.Add(("OpsServiceException", new OpsServiceException("m").Code));
        codes.Add(("OpsServiceException.AlreadyRunning", new OpsServiceException("m", alreadyRunning: true).Code));
        codes.Add(("BackupLockedException", new BackupLockedException("/b", "h").Code));

        foreach (var (failure, code) in codes)
        {
            Assert.Contains(code, OpsErrorCodes.All);
        }

        var shared = codes.GroupBy(c => c.Code.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(c => c.Failure))}").ToList();
        Assert.True(shared.Count == 0, "conditions sharing a code: " + string.Join("; ", shared));
    }

    [Fact]
    public void The_same_thing_not_found_is_one_code_whoever_finds_it()
    {
        // The engine's unknown slot and the cmdlets' unknown -Slot; its missing rollback point and Get-RollbackPoint's.
        Assert.Same(OpsErrorCodes.SlotNotFound, DeploymentException.CodeOf(DeploymentFailure.UnknownSlot));
        Assert.Same(OpsErrorCodes.RollbackPointNotFound, DeploymentException.CodeOf(DeploymentFailure.RollbackPointNotFound));
        Assert.Same(OpsErrorCodes.SecretNotFound, SecretException.CodeOf(SecretFailure.NotConfigured));
        Assert.Same(OpsErrorCodes.BackupNotFound, BackupException.CodeOf(BackupFailure.NotFound));
    }

    [Fact]
    public void Every_failing_outcome_a_cmdlet_reports_as_an_error_has_its_code()
    {
        foreach (var o in Enum.GetValues<SwitchOutcome>().Where(o => o != SwitchOutcome.Switched))
        {
            Assert.Equal(OpsErrorCategory.InvalidResult, OpsErrorCodes.Get($"Switch{o}").Category);
        }

        foreach (var o in Enum.GetValues<DeploymentOutcome>().Where(o => o != DeploymentOutcome.Deployed))
        {
            Assert.Equal(OpsErrorCategory.InvalidResult, OpsErrorCodes.Get($"Deployment{o}").Category);
        }

        // Update-Secret writes an error for every outcome but success and Due.
        var succeeded = new[] { SecretRotationOutcome.Created, SecretRotationOutcome.Rotated, SecretRotationOutcome.Completed, SecretRotationOutcome.Due };
        foreach (var o in Enum.GetValues<SecretRotationOutcome>().Except(succeeded))
        {
            Assert.Equal(OpsErrorCategory.InvalidResult, OpsErrorCodes.Get($"Secret{o}").Category);
        }

        Assert.Throws<KeyNotFoundException>(() => OpsErrorCodes.Get("SwitchSwitched"));
    }

    [Fact]
    public void An_engine_exception_becomes_an_ErrorRecord_with_its_code_category_target_and_advice()
    {
        var record = Probe.Record(new OpsConfigurationException("/etc/ops.json", ConfigurationFailure.NotFound, "no file"));

        Assert.Equal("ConfigurationNotFound", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, record.CategoryInfo.Category);
        Assert.Equal("/etc/ops.json", record.TargetObject);
        Assert.Contains("-ConfigPath", record.ErrorDetails!.RecommendedAction, StringComparison.Ordinal);

        var slot = Probe.Record(new DeploymentException(DeploymentFailure.UnknownSlot, "no slot") { Target = "purple" });
        Assert.Equal(("SlotNotFound", ErrorCategory.ObjectNotFound, (object)"purple"), (slot.FullyQualifiedErrorId, slot.CategoryInfo.Category, slot.TargetObject));
        Assert.Null(slot.ErrorDetails);

        var unexpected = Probe.Record(new InvalidCastException("boom"));
        Assert.Equal(("UnexpectedError", ErrorCategory.NotSpecified), (unexpected.FullyQualifiedErrorId, unexpected.CategoryInfo.Category));
    }

    [Fact]
    public void No_cmdlet_makes_an_ErrorRecord_with_an_ErrorId_of_its_own()
    {
        var root = Repository.Root;
        var offenders = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ||
                file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ||
                file.EndsWith($"{Path.DirectorySeparatorChar}OpsCmdlet.cs", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            foreach (Match m in ErrorRecordMade().Matches(text))
            {
                offenders.Add($"{Path.GetRelativePath(root, file)}: {m.Value}");
            }
        }

        Assert.True(offenders.Count == 0, "ErrorRecords made outside OpsCmdlet.ErrorRecordFor: " + string.Join("; ", offenders));
    }

    [Fact]
    public void About_Errors_names_every_code_and_only_those()
    {
        var topic = File.ReadAllText(Path.Combine(Repository.Root, "module", "en-US", "about_Orchestrator.Ops_Errors.help.txt"));

        // A code's line in a section: four spaces, the id, then its meaning.
        var listed = CodeLine().Matches(topic).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var defined = OpsErrorCodes.All.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(defined.Except(listed));
        Assert.Empty(listed.Except(defined));
    }

    [GeneratedRegex(@"new ErrorRecord\(|ErrorRecord\s+\w+\s*=\s*new\(|\bnew\(\s*\n?\s*new \w+Exception")]
    private static partial Regex ErrorRecordMade();

    [GeneratedRegex(@"^    ([A-Z][A-Za-z]+)(?:  +| *$)", RegexOptions.Multiline)]
    private static partial Regex CodeLine();

    /// <summary>Reaches OpsCmdlet's conversion the way a cmdlet does.</summary>
    private sealed class Probe : OpsCmdlet
    {
        public static ErrorRecord Record(Exception ex) => new Probe().ToErrorRecord(ex);
    }
}
