using System.Globalization;

namespace Orchestrator.Ops.Service;

/// <summary><c>--config &lt;file&gt; [--parent-pid &lt;pid&gt;]</c>.</summary>
internal sealed record CommandLine(string ConfigPath, int? ParentPid)
{
    public const string Usage = "usage: Orchestrator.Ops.Service --config <ops.json> [--parent-pid <pid>]";

    public static CommandLine? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        string? config = null;
        int? parent = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count && name is "--config" or "--parent-pid")
            {
                error = $"{name} needs a value";
                return null;
            }

            switch (name)
            {
                case "--config":
                    config = args[++i];
                    break;
                case "--parent-pid":
                    var text = args[++i];
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
                    {
                        error = $"--parent-pid must be a process id, not '{text}'";
                        return null;
                    }

                    parent = pid;
                    break;
                default:
                    error = $"unknown argument '{name}'";
                    return null;
            }
        }

        if (string.IsNullOrWhiteSpace(config))
        {
            error = "--config is required";
            return null;
        }

        return new CommandLine(Path.GetFullPath(config), parent);
    }
}
