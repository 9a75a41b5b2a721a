using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Remote;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Sandbox;
using Orchestrator.Ops.Core.Service;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>
/// What every cmdlet shares: Ctrl+C → cancellation, running an async engine call while writing its
/// progress on the pipeline thread, and turning the engine's expected failures into proper ErrorRecords.
/// </summary>
public abstract class OpsCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cts = new();

    /// <summary>The cmdlet's name, for error ids.</summary>
    protected string CommandName => MyInvocation.MyCommand.Name;

    protected CancellationToken Cancellation => _cts.Token;

    protected override void StopProcessing() => _cts.Cancel();

    /// <summary>Whether this run only previews (-WhatIf, or $WhatIfPreference): for cmdlets that list each change before asking once.</summary>
    protected bool IsWhatIf =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) ? LanguagePrimitives.IsTrue(w) : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));

    public void Dispose()
    {
        _cts.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs engine work off the pipeline thread, writing what it reports here, until it finishes.</summary>
    protected T Run<T>(Func<IOpsReporter, CancellationToken, Task<T>> work) => Run(work, null);

    /// <summary>Like <see cref="Run{T}(Func{IOpsReporter, CancellationToken, Task{T}})"/>, with the reporter the engine sees made from the cmdlet's.</summary>
    private protected T Run<T>(Func<IOpsReporter, CancellationToken, Task<T>> work, Func<CmdletReporter, IOpsReporter>? wrap)
    {
        var queue = new CmdletReporter();
        var reporter = wrap?.Invoke(queue) ?? queue;
        var task = Task.Run(() => work(reporter, _cts.Token), _cts.Token);
        _ = task.ContinueWith(_ => queue.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        queue.Pump(this);
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception ex) when (ToErrorRecordOrNull(ex) is { } record)
        {
            ThrowTerminatingError(record);
            throw; // unreachable
        }
    }

    /// <summary>
    /// Streams what engine work yields: each item is written on the pipeline thread as it comes, between the
    /// work's progress, warnings and errors, with at most a thousand waiting (the work then waits for the pipeline).
    /// Ctrl+C cancels the work at once; a downstream command that stops the pipeline (Select-Object -First) cancels it too.
    /// </summary>
    private protected void RunStreaming<T>(Func<IOpsReporter, CancellationToken, IAsyncEnumerable<T>> work, Action<T> write, Func<CmdletReporter, IOpsReporter>? wrap = null)
    {
        var queue = new CmdletReporter(1024, _cts.Token);
        var reporter = wrap?.Invoke(queue) ?? queue;
        var task = Task.Run(async () =>
        {
            await foreach (var item in work(reporter, _cts.Token).WithCancellation(_cts.Token).ConfigureAwait(false))
            {
                queue.Post(_ => write(item));
            }
        }, _cts.Token);
        _ = task.ContinueWith(_ => queue.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            queue.Pump(this);
        }
        catch
        {
            _cts.Cancel();
            throw;
        }

        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception ex) when (ToErrorRecordOrNull(ex) is { } record)
        {
            ThrowTerminatingError(record);
        }
    }

    /// <summary>Opens the engine on a configuration, runs the work, and closes the engine.</summary>
    protected T RunWithEngine<T>(OpsConfig config, Func<OpsEngine, IOpsReporter, CancellationToken, Task<T>> work) =>
        RunWithEngine(config, null, work);

    /// <summary>Opens the engine with <paramref name="options"/> (a vault passphrase, a warning sink), runs the work, and closes it.</summary>
    protected T RunWithEngine<T>(OpsConfig config, OpsEngineOptions? options, Func<OpsEngine, IOpsReporter, CancellationToken, Task<T>> work) =>
        Run(async (reporter, ct) =>
        {
            await using var engine = await OpsEngine.OpenAsync(config, WarningsTo(options, reporter), ct).ConfigureAwait(false);
            return await work(engine, reporter, ct).ConfigureAwait(false);
        });

    /// <summary>
    /// The engine's own warnings (a vault it cannot open, so every probe of a wrapper that needs a token answers 401; a
    /// key file others can read) reach the warning stream, not only the ops log, unless the caller takes them itself.
    /// </summary>
    private static OpsEngineOptions WarningsTo(OpsEngineOptions? options, IOpsReporter reporter) =>
        options?.Warn is not null ? options : (options ?? new OpsEngineOptions()) with { Warn = reporter.Warning };

    /// <summary>
    /// Opens the engine and runs work that hands out results while it runs: each value given to the output callback is
    /// written to the pipeline at once, from the pipeline thread, before the work ends.
    /// </summary>
    protected T RunWithEngineStreaming<T>(OpsConfig config, Func<OpsEngine, IOpsReporter, Action<object>, CancellationToken, Task<T>> work)
    {
        CmdletReporter? queue = null;
        return Run(
            async (reporter, ct) =>
            {
                await using var engine = await OpsEngine.OpenAsync(config, WarningsTo(null, reporter), ct).ConfigureAwait(false);
                return await work(engine, reporter, value => queue!.Post(c => c.WriteObject(value)), ct).ConfigureAwait(false);
            },
            q => queue = q);
    }

    /// <summary>
    /// Runs backup work with the ops log but without opening the state store: backups must list, verify and restore
    /// even when the store is locked or corrupt.
    /// </summary>
    protected T RunWithBackups<T>(OpsConfig config, Func<Core.Backups.BackupService, IOpsReporter, CancellationToken, Task<T>> work) =>
        Run((reporter, ct) => Core.Backups.BackupService.RunLoggedAsync(config, backups => work(backups, reporter, ct)));

    protected ErrorRecord ToErrorRecord(Exception ex) =>
        ToErrorRecordOrNull(ex) ?? new ErrorRecord(ex, "UnexpectedError", ErrorCategory.NotSpecified, null);

    private ErrorRecord? ToErrorRecordOrNull(Exception ex) => ex switch
    {
        OpsConfigurationException c => new ErrorRecord(c, c.Reason switch
            {
                ConfigurationFailure.NotFound => "ConfigurationNotFound",
                ConfigurationFailure.Unreadable => "ConfigurationUnreadable",
                _ => "ConfigurationInvalid",
            }, c.Reason switch
            {
                ConfigurationFailure.NotFound => ErrorCategory.ObjectNotFound,
                ConfigurationFailure.Unreadable => ErrorCategory.ReadError,
                _ => ErrorCategory.InvalidData,
            }, c.File)
        {
            ErrorDetails = new ErrorDetails(c.Message)
            {
                RecommendedAction = c.Reason == ConfigurationFailure.Invalid
                    ? $"Run Test-OpsConfiguration -ConfigPath '{c.File}' to list every problem."
                    : "Pass -ConfigPath, set $env:ORCHESTRATOR_OPS_CONFIG, or run Start-OpsSandbox.",
            },
        },
        StateStoreException s => new ErrorRecord(s, $"StateStore{s.Failure}", s.Failure switch
            {
                StateStoreFailure.Locked => ErrorCategory.ResourceBusy,
                StateStoreFailure.Corrupt => ErrorCategory.InvalidData,
                StateStoreFailure.TooNew => ErrorCategory.InvalidOperation,
                _ => ErrorCategory.ResourceUnavailable,
            }, s.Location),
        Core.Deployment.DeploymentException d => new ErrorRecord(d, $"Deployment{d.Failure}", d.Failure switch
            {
                Core.Deployment.DeploymentFailure.Locked => ErrorCategory.ResourceBusy,
                Core.Deployment.DeploymentFailure.UnknownSlot or Core.Deployment.DeploymentFailure.RollbackPointNotFound => ErrorCategory.ObjectNotFound,
                Core.Deployment.DeploymentFailure.RollbackPointTampered => ErrorCategory.SecurityError,
                Core.Deployment.DeploymentFailure.RouterFailed or Core.Deployment.DeploymentFailure.CommandFailed => ErrorCategory.InvalidResult,
                _ => ErrorCategory.InvalidOperation,
            }, d.Target),
        Core.Backups.BackupException b => new ErrorRecord(b, $"Backup{b.Failure}", b.Failure switch
            {
                Core.Backups.BackupFailure.NotFound or Core.Backups.BackupFailure.SourceMissing => ErrorCategory.ObjectNotFound,
                Core.Backups.BackupFailure.Damaged => ErrorCategory.InvalidData,
                Core.Backups.BackupFailure.Unsafe => ErrorCategory.SecurityError,
                Core.Backups.BackupFailure.StoreLocked => ErrorCategory.ResourceBusy,
                _ => ErrorCategory.WriteError,
            }, b.File ?? b.BackupId),
        Core.Backups.BackupLockedException l => new ErrorRecord(l, "BackupLocked", ErrorCategory.ResourceBusy, l.Root),
        SandboxException x => new ErrorRecord(x, "SandboxFailed", ErrorCategory.ResourceUnavailable, null),
        OpsServiceException o => new ErrorRecord(o, o.AlreadyRunning ? "ServiceAlreadyRunning" : "ServiceFailed",
            o.AlreadyRunning ? ErrorCategory.ResourceExists : ErrorCategory.ResourceUnavailable, null),
        Core.Hosting.DotnetRuntimeMissingException rt => new ErrorRecord(rt, "DotnetRuntimeMissing", ErrorCategory.NotInstalled, rt.Framework)
        {
            ErrorDetails = new ErrorDetails(rt.Message) { RecommendedAction = rt.RecommendedAction },
        },
        OpsApiException api => new ErrorRecord(api, api.Failure switch
            {
                OpsApiFailure.KeyRefused => "ApiKeyRefused",
                OpsApiFailure.NotFound => "ApiNotFound",
                OpsApiFailure.BadRequest => "ApiBadRequest",
                OpsApiFailure.RateLimited => "ApiRateLimited",
                OpsApiFailure.CertificateRejected => "ApiCertificateRejected",
                _ => "ApiUnavailable",
            }, api.Failure switch
            {
                OpsApiFailure.KeyRefused => ErrorCategory.AuthenticationError,
                OpsApiFailure.NotFound => ErrorCategory.ObjectNotFound,
                OpsApiFailure.BadRequest => ErrorCategory.InvalidArgument,
                OpsApiFailure.RateLimited => ErrorCategory.LimitsExceeded,
                OpsApiFailure.CertificateRejected => ErrorCategory.SecurityError,
                _ => ErrorCategory.ConnectionError,
            }, api.ServiceUri),
        Core.Secrets.SecretException se => new ErrorRecord(se, $"Secret{se.Failure}", se.Failure switch
            {
                Core.Secrets.SecretFailure.NotConfigured or Core.Secrets.SecretFailure.NoValue => ErrorCategory.ObjectNotFound,
                Core.Secrets.SecretFailure.RotationInProgress => ErrorCategory.ResourceBusy,
                Core.Secrets.SecretFailure.ValueRequired or Core.Secrets.SecretFailure.InvalidValue or Core.Secrets.SecretFailure.RequestTokenMismatch => ErrorCategory.InvalidArgument,
                _ => ErrorCategory.WriteError,
            }, se.Name),
        Core.Secrets.VaultException v => new ErrorRecord(v, $"Vault{v.Failure}", v.Failure switch
            {
                Core.Secrets.VaultFailure.WrongKey or Core.Secrets.VaultFailure.KeyMissing or Core.Secrets.VaultFailure.InvalidKey => ErrorCategory.AuthenticationError,
                Core.Secrets.VaultFailure.Tampered or Core.Secrets.VaultFailure.LoosePermissions => ErrorCategory.SecurityError,
                Core.Secrets.VaultFailure.Locked => ErrorCategory.ResourceBusy,
                Core.Secrets.VaultFailure.UnsupportedFormat => ErrorCategory.InvalidData,
                _ => ErrorCategory.ReadError,
            }, v.Path),
        Core.Logs.LogException log => new ErrorRecord(log, $"Log{log.Failure}", log.Failure switch
            {
                Core.Logs.LogFailure.NotFound => ErrorCategory.ObjectNotFound,
                Core.Logs.LogFailure.Unreadable => ErrorCategory.ReadError,
                _ => ErrorCategory.InvalidArgument,
            }, log.Target),
        Core.Secrets.Targets.SecretTargetException t => new ErrorRecord(t, "SecretTargetFailed", ErrorCategory.WriteError, t.Target),
        _ => null,
    };
}
