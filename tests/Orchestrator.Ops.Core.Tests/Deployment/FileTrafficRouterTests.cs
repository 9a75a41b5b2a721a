using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;

namespace Orchestrator.Ops.Core.Tests.Deployment;

public sealed class FileTrafficRouterTests : IDisposable
{
    private static readonly SlotDefinition Blue = new("blue", new Dictionary<string, Uri>());
    private static readonly SlotDefinition Green = new("green", new Dictionary<string, Uri>());
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private FileTrafficRouter Router(string path) => new(path, ["blue", "green"]);

    private static RouterSwitchRequest Switch(SlotDefinition from, SlotDefinition to) => new(from, to, []);

    [Fact]
    public async Task A_switch_writes_the_slot_and_a_newline_creating_the_folder_and_reads_it_back()
    {
        var path = _dir.File("deep/er/active-slot");
        var router = Router(path);
        Assert.Null(await router.GetRoutedSlotAsync(default));
        Assert.Contains($"write 'green' to {path}", router.DescribeSwitch(Switch(Blue, Green)));
        Assert.False(Directory.Exists(_dir.File("deep")), "DescribeSwitch changes nothing");

        var outcome = await router.SwitchAsync(Switch(Blue, Green), default);

        Assert.Equal("green\n"u8.ToArray(), File.ReadAllBytes(path));
        Assert.Equal("green", await router.GetRoutedSlotAsync(default));
        Assert.Equal("file", outcome.Router);
        Assert.Contains(path, outcome.Detail);
        Assert.Equal(RouterKind.File, router.Kind);

        await router.SwitchAsync(Switch(Green, Blue), default);
        Assert.Equal("blue", await router.GetRoutedSlotAsync(default));
    }

    [Fact]
    public async Task A_reader_never_sees_a_partial_file_and_no_temporary_file_is_left()
    {
        var path = _dir.File("router/active-slot");
        var router = Router(path);
        await router.SwitchAsync(Switch(Green, Blue), default);
        var seen = new HashSet<string>();
        using var stop = new CancellationTokenSource();

        // An in-place write truncates first, so a reader racing it would see "" or a prefix; a rename never shows either.
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                seen.Add(File.ReadAllText(path));
            }
        });
        for (var i = 0; i < 300; i++)
        {
            await router.SwitchAsync(i % 2 == 0 ? Switch(Blue, Green) : Switch(Green, Blue), default);
        }

        await stop.CancelAsync();
        await reader.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Subset(new HashSet<string> { "blue\n", "green\n" }, seen);
        Assert.Equal(["active-slot"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("purple\n")]
    [InlineData("")]
    [InlineData("green\nblue\n")]
    [InlineData(" green\n")]
    [InlineData("Green\n")]
    public async Task A_file_naming_no_configured_slot_reads_as_unknown(string content)
    {
        var path = _dir.Write("active-slot", content);

        Assert.Null(await Router(path).GetRoutedSlotAsync(default));
    }

    [Fact]
    public async Task A_garbled_file_reads_as_unknown_and_a_hand_written_crlf_is_accepted()
    {
        var path = _dir.File("active-slot");
        File.WriteAllBytes(path, [0x67, 0xff, 0xfe, 0x0a]);
        Assert.Null(await Router(path).GetRoutedSlotAsync(default));

        File.WriteAllBytes(path, new byte[10_000]);
        Assert.Null(await Router(path).GetRoutedSlotAsync(default));

        File.WriteAllText(path, "green\r\n");
        Assert.Equal("green", await Router(path).GetRoutedSlotAsync(default));

        Directory.CreateDirectory(_dir.File("a-folder"));
        Assert.Null(await Router(_dir.File("a-folder")).GetRoutedSlotAsync(default));
    }

    [Fact]
    public async Task A_file_that_cannot_be_written_fails_the_switch_and_keeps_the_old_pointer()
    {
        // The pointer's folder is a file, so neither the folder nor a temporary file can be created.
        var blocker = _dir.Write("blocker", "not a folder");
        var router = Router(Path.Combine(blocker, "active-slot"));

        var ex = await Assert.ThrowsAsync<DeploymentException>(() => router.SwitchAsync(Switch(Blue, Green), default));

        Assert.Equal(DeploymentFailure.RouterFailed, ex.Failure);
        Assert.Equal("green", ex.Target);
        Assert.Contains("The file was not changed", ex.Message);
        Assert.Equal("not a folder", File.ReadAllText(blocker));
    }
}
