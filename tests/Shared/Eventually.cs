using System.Diagnostics;
using Xunit;

namespace Orchestrator.Ops.Tests.Shared;

/// <summary>
/// The one poll loop of the tests: asks again every few milliseconds until a condition holds, and fails the test naming
/// what did not happen when it still does not hold at the bound. Never gives up silently.
/// </summary>
public static class Eventually
{
    /// <summary>How long a condition gets unless the test says otherwise: generous, since a loaded CI machine is slow.</summary>
    public static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds; returns how long that took.</summary>
    /// <param name="what">What should happen, for the failure: "the sandbox counted the request".</param>
    public static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null, TimeSpan? every = null)
    {
        var bound = within ?? DefaultBound;
        var clock = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (clock.Elapsed >= bound)
            {
                Assert.Fail($"{what}: not within {bound.TotalSeconds:0.#} s");
            }

            await Task.Delay(every ?? TimeSpan.FromMilliseconds(20)).ConfigureAwait(false);
        }

        return clock.Elapsed;
    }

    /// <summary>Polls a synchronous <paramref name="condition"/>, like <see cref="UntilAsync(Func{Task{bool}}, string, TimeSpan?, TimeSpan?)"/>.</summary>
    public static Task<TimeSpan> UntilAsync(Func<bool> condition, string what, TimeSpan? within = null, TimeSpan? every = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, within, every);

    /// <summary>Reads a value until <paramref name="accept"/> takes it, and returns it; fails with the last value read otherwise.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> accept, string what, TimeSpan? within = null, TimeSpan? every = null)
    {
        var last = default(T)!;
        var bound = within ?? DefaultBound;
        var clock = Stopwatch.StartNew();
        while (!accept(last = await read().ConfigureAwait(false)))
        {
            if (clock.Elapsed >= bound)
            {
                Assert.Fail($"{what}: not within {bound.TotalSeconds:0.#} s (last: {last})");
            }

            await Task.Delay(every ?? TimeSpan.FromMilliseconds(20)).ConfigureAwait(false);
        }

        return last;
    }
}
