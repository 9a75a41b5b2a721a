using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;

namespace Orchestrator.Ops.PowerShell.Tests.Infrastructure;

/// <summary>
/// A host where nobody is watching, like a scheduler's: every way of asking a person — Prompt, PromptForChoice (which
/// ShouldProcess and ShouldContinue go through), PromptForCredential, ReadLine, ReadLineAsSecureString, RawUI.ReadKey,
/// a nested prompt — is recorded with who asked and what, then refused with an exception, as a non-interactive console
/// refuses it. Whatever the host is asked to write is kept for failure messages.
/// </summary>
public sealed class FailingPromptHost : PSHost
{
    private readonly ConcurrentQueue<PromptRecord> _prompts = new();
    private readonly ConcurrentQueue<string> _written = new();
    private readonly FailingPromptHostUserInterface _ui;

    public FailingPromptHost() => _ui = new FailingPromptHostUserInterface(this);

    /// <summary>Not a name PromptPolicy knows: this host is never asked to prompt.</summary>
    public override string Name => "FailingPromptHost";

    public override Version Version { get; } = new(1, 0);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override PSHostUserInterface UI => _ui;

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    /// <summary>A label for what runs now, recorded with each prompt (the test sets it before each invocation).</summary>
    public string CurrentInvocation { get; set; } = "(none)";

    /// <summary>Every prompt refused so far.</summary>
    public IReadOnlyList<PromptRecord> Prompts => [.. _prompts];

    /// <summary>The text the host was asked to write (output, errors, warnings, verbose, progress), newest last.</summary>
    public IReadOnlyList<string> Written => [.. _written];

    public void ClearPrompts() => _prompts.Clear();

    public override void EnterNestedPrompt() => throw Refuse("EnterNestedPrompt", "a nested prompt");

    public override void ExitNestedPrompt()
    {
    }

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    public override void SetShouldExit(int exitCode)
    {
    }

    internal void Write(string text) => _written.Enqueue(text);

    /// <summary>Records the prompt and returns the exception to throw, like a console started with -NonInteractive.</summary>
    internal PSInvalidOperationException Refuse(string kind, string what)
    {
        var record = new PromptRecord(CurrentInvocation, kind, FindCaller(), what);
        _prompts.Enqueue(record);
        return new PSInvalidOperationException($"FailingPromptHost refuses to prompt: {record}");
    }

    /// <summary>The innermost module type on the stack: the cmdlet (or its base class) that asked.</summary>
    private static string FindCaller()
    {
        foreach (var frame in new StackTrace().GetFrames())
        {
            var type = frame.GetMethod()?.DeclaringType;
            var ns = type?.Namespace ?? string.Empty;
            if (ns.StartsWith("Orchestrator.Ops.", StringComparison.Ordinal) && !ns.StartsWith("Orchestrator.Ops.PowerShell.Tests", StringComparison.Ordinal))
            {
                return $"{type!.FullName}.{frame.GetMethod()!.Name}";
            }
        }

        return "PowerShell";
    }
}
