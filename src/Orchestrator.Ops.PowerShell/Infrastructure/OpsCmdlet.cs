using System.Management.Automation;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;

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
        var outer = _running;
        _running = reporter;
        var task = Task.Run(() => work(reporter, _cts.Token), _cts.Token);
        _ = task.ContinueWith(_ => queue.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            try
            {
                queue.Pump(this);
            }
            catch
            {
                // The pipeline stopped taking what the work says (Ctrl+C, a warning under -WarningAction Stop): stop the
                // work and let it end before anything it uses (an engine opened for several steps) is closed.
                _cts.Cancel();
                WaitQuietly(task);
                throw;
            }

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
        finally
        {
            _running = outer;
        }
    }

    private static void WaitQuietly(Task task)
    {
        try
        {
            task.Wait();
        }
        catch (AggregateException)
        {
            // Its own failure is not the one to report: the pipeline's is.
        }
    }

    /// <summary>The reporter of the engine work running now, for an engine that outlives one step (see <see cref="OpenEngine"/>).</summary>
    private volatile IOpsReporter? _running;

    /// <summary>
    /// Opens an engine for a cmdlet that works in several steps with the person in between (plan, confirm on the
    /// pipeline thread, change): each step is a <see cref="Run{T}(Func{IOpsReporter, CancellationToken, Task{T}})"/> on
    /// it, and the engine's warnings reach the step that is running (between steps they are in the ops log only).
    /// Close it with <see cref="CloseEngine"/>.
    /// </summary>
    protected OpsEngine OpenEngine(OpsConfig config)
    {
        Task<OpsEngine>? opening = null;
        try
        {
            return Run((_, ct) => opening = OpsEngine.OpenAsync(config, new OpsEngineOptions { Warn = m => _running?.Warning(m) }, ct));
        }
        catch when (opening is { IsCompletedSuccessfully: true })
        {
            // Opened, but the pipeline stopped before it was handed over: close it here.
            CloseEngine(opening.Result);
            throw;
        }
    }

    protected static void CloseEngine(OpsEngine engine) => engine.DisposeAsync().AsTask().GetAwaiter().GetResult();

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
        ToErrorRecordOrNull(ex) ?? ErrorRecordFor(OpsErrorCodes.UnexpectedError, ex, null);

    /// <summary>
    /// The one way an ErrorRecord is made: the ErrorId and category from the condition's code in
    /// <see cref="OpsErrorCodes"/>, the target, and the recommended action when there is one.
    /// </summary>
    /// <param name="message">What to show instead of the exception's message (shorter, or with more context); null keeps it.</param>
    protected static ErrorRecord ErrorRecordFor(OpsErrorCode code, Exception ex, object? target, string? recommendedAction = null, string? message = null)
    {
        var record = new ErrorRecord(ex, code.Id, CategoryOf(code), target);
        if (recommendedAction is not null || message is not null)
        {
            record.ErrorDetails = new ErrorDetails(message ?? ex.Message) { RecommendedAction = recommendedAction };
        }

        return record;
    }

    /// <summary>PowerShell's category for a code's: the names are the same (a test checks every one).</summary>
    internal static ErrorCategory CategoryOf(OpsErrorCode code) => Enum.Parse<ErrorCategory>(code.Category.ToString());

    private static ErrorRecord? ToErrorRecordOrNull(Exception ex) =>
        ex is IOpsError e ? ErrorRecordFor(e.Code, ex, e.ErrorTarget, e.RecommendedAction) : null;
}
