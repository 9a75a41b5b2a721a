using System.Management.Automation.Host;

namespace Orchestrator.Ops.PowerShell.Tests.Infrastructure;

/// <summary>The raw UI of <see cref="FailingPromptHost"/>: a fixed 120 x 50 screen with no keyboard; ReadKey is recorded and refused.</summary>
public sealed class FailingPromptRawUserInterface : PSHostRawUserInterface
{
    private readonly FailingPromptHost _host;

    internal FailingPromptRawUserInterface(FailingPromptHost host) => _host = host;

    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

    public override Size BufferSize { get; set; } = new(120, 50);

    public override Coordinates CursorPosition { get; set; }

    public override int CursorSize { get; set; } = 1;

    /// <summary>Nobody types, so no key is ever waiting.</summary>
    public override bool KeyAvailable => false;

    public override Size MaxPhysicalWindowSize => new(120, 50);

    public override Size MaxWindowSize => new(120, 50);

    public override Coordinates WindowPosition { get; set; }

    public override Size WindowSize { get; set; } = new(120, 50);

    public override string WindowTitle { get; set; } = "FailingPromptHost";

    public override KeyInfo ReadKey(ReadKeyOptions options) => throw _host.Refuse("RawUI.ReadKey", $"a key ({options})");

    public override void FlushInputBuffer()
    {
    }

    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException("FailingPromptHost keeps no screen buffer.");

    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill)
    {
    }

    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents)
    {
    }

    public override void SetBufferContents(Rectangle rectangle, BufferCell fill)
    {
    }
}
