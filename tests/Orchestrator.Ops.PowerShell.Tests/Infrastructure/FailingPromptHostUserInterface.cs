using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace Orchestrator.Ops.PowerShell.Tests.Infrastructure;

/// <summary>The UI of <see cref="FailingPromptHost"/>: writes are kept, every read or prompt is recorded and refused.</summary>
public sealed class FailingPromptHostUserInterface : PSHostUserInterface, IHostUISupportsMultipleChoiceSelection
{
    private readonly FailingPromptHost _host;
    private readonly FailingPromptRawUserInterface _raw;

    internal FailingPromptHostUserInterface(FailingPromptHost host)
    {
        _host = host;
        _raw = new FailingPromptRawUserInterface(host);
    }

    public override PSHostRawUserInterface RawUI => _raw;

    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
        throw _host.Refuse("Prompt", $"{caption} | {message} | fields: {string.Join(", ", descriptions.Select(d => d.Name))}");

    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) =>
        throw _host.Refuse("PromptForChoice", $"{caption} | {message} | choices: {string.Join(", ", choices.Select(c => c.Label))}");

    public Collection<int> PromptForChoice(string? caption, string? message, Collection<ChoiceDescription> choices, IEnumerable<int>? defaultChoices) =>
        throw _host.Refuse("PromptForChoice (multiple)", $"{caption} | {message} | choices: {string.Join(", ", choices.Select(c => c.Label))}");

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        throw _host.Refuse("PromptForCredential", $"{caption} | {message} | user '{userName}', target '{targetName}'");

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
        throw _host.Refuse("PromptForCredential (types, options)", $"{caption} | {message} | user '{userName}', target '{targetName}'");

    public override string ReadLine() => throw _host.Refuse("ReadLine", "a line of input");

    public override SecureString ReadLineAsSecureString() => throw _host.Refuse("ReadLineAsSecureString", "a masked line of input");

    public override void Write(string value) => _host.Write(value);

    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => _host.Write(value);

    public override void WriteLine(string value) => _host.Write(value + "\n");

    public override void WriteErrorLine(string value) => _host.Write("ERROR: " + value + "\n");

    public override void WriteDebugLine(string message) => _host.Write("DEBUG: " + message + "\n");

    public override void WriteVerboseLine(string message) => _host.Write("VERBOSE: " + message + "\n");

    public override void WriteWarningLine(string message) => _host.Write("WARNING: " + message + "\n");

    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        // Progress is not a prompt, and a failure message needs none of it.
    }

    public override void WriteInformation(InformationRecord record) => _host.Write("INFO: " + record.MessageData + "\n");
}
