using System.Globalization;
using System.Net;

namespace Orchestrator.Ops.Sandbox;

/// <summary>Parsed command line of the sandbox process.</summary>
internal sealed record SandboxCommandLine(string Root, string Host, int BenchEndpoints, int BenchHang, int? Seed, int? ParentPid, bool AllowRemote)
{
    public const string Usage =
        "usage: Orchestrator.Ops.Sandbox --root <dir> [--host 127.0.0.1] [--bench-endpoints N] [--bench-hang M] " +
        "[--seed S] [--parent-pid PID] [--allow-remote] [--token-dir <dir>] [--wrappers N]";

    /// <summary>The folder of per-slot token env files (<c>--token-dir</c>), or null when no token is required.</summary>
    public string? TokenDirectory { get; init; }

    /// <summary>How many wrappers the fleet runs (<c>--wrappers</c>, 1 to <see cref="SandboxOptions.MaxWrappers"/>).</summary>
    public int Wrappers { get; init; } = 3;

    /// <summary>Parses arguments; on failure returns null and an error message.</summary>
    public static SandboxCommandLine? Parse(IReadOnlyList<string> args, out string? error)
    {
        string? root = null;
        var host = "127.0.0.1";
        var benchEndpoints = 0;
        var benchHang = 0;
        int? seed = null;
        int? parentPid = null;
        var allowRemote = false;
        string? tokenDirectory = null;
        var wrappers = 3;
        error = null;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? value = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                value = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            string Next()
            {
                if (value is not null)
                {
                    return value;
                }

                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"{arg} needs a value");
                }

                return args[++i];
            }

            int NextInt(int min)
            {
                var text = Next();
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min)
                {
                    throw new FormatException($"{arg} must be an integer >= {min} (got '{text}')");
                }

                return n;
            }

            try
            {
                switch (arg)
                {
                    case "--root":
                        root = Next();
                        break;
                    case "--host":
                        host = Next();
                        break;
                    case "--bench-endpoints":
                        benchEndpoints = NextInt(0);
                        break;
                    case "--bench-hang":
                        benchHang = NextInt(0);
                        break;
                    case "--seed":
                        seed = NextInt(int.MinValue);
                        break;
                    case "--parent-pid":
                        parentPid = NextInt(1);
                        break;
                    case "--wrappers":
                        wrappers = NextInt(1);
                        if (wrappers > SandboxOptions.MaxWrappers)
                        {
                            throw new FormatException($"--wrappers must be at most {SandboxOptions.MaxWrappers} (got {wrappers})");
                        }

                        break;
                    case "--token-dir":
                        tokenDirectory = Next();
                        if (string.IsNullOrWhiteSpace(tokenDirectory))
                        {
                            throw new FormatException("--token-dir needs a folder");
                        }

                        break;
                    case "--allow-remote":
                        if (value is not null)
                        {
                            throw new FormatException("--allow-remote takes no value");
                        }

                        allowRemote = true;
                        break;
                    default:
                        throw new FormatException($"unknown argument '{args[i]}'");
                }
            }
            catch (FormatException ex)
            {
                error = ex.Message;
                return null;
            }
        }

        if (string.IsNullOrWhiteSpace(root))
        {
            error = "--root is required";
            return null;
        }

        if (benchHang > benchEndpoints)
        {
            error = $"--bench-hang ({benchHang}) must not exceed --bench-endpoints ({benchEndpoints})";
            return null;
        }

        IPAddress? address = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : null;
        if (address is null && !IPAddress.TryParse(host.Trim('[', ']'), out address))
        {
            error = $"--host must be an IP address (got '{host}')";
            return null;
        }

        if (!allowRemote && !IPAddress.IsLoopback(address))
        {
            error = $"--host {host} is not a loopback address; pass --allow-remote to bind it";
            return null;
        }

        return new SandboxCommandLine(root, host, benchEndpoints, benchHang, seed, parentPid, allowRemote) { TokenDirectory = tokenDirectory, Wrappers = wrappers };
    }
}
