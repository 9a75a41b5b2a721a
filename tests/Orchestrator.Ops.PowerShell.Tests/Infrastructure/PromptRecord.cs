namespace Orchestrator.Ops.PowerShell.Tests.Infrastructure;

/// <summary>One attempt to ask a person something, refused by <see cref="FailingPromptHost"/>.</summary>
/// <param name="Invocation">What the test was running (<see cref="FailingPromptHost.CurrentInvocation"/>).</param>
/// <param name="Kind">The host member called: PromptForChoice, ReadLineAsSecureString, RawUI.ReadKey, ...</param>
/// <param name="Caller">The module type that asked (from the stack), or "PowerShell" when the engine or a script did.</param>
/// <param name="What">The caption and message shown, as the person would have seen them.</param>
public sealed record PromptRecord(string Invocation, string Kind, string Caller, string What)
{
    public override string ToString() => $"{Kind} during [{Invocation}] by {Caller}: {What}";
}
