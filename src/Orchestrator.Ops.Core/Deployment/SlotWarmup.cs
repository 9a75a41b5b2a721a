using System.Diagnostics;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// The gate's warm-up of one wrapper in the target slot: GET deployment.warmupPath until it answers one of
/// deployment.warmupStatusCodes, each attempt within deployment.warmupTimeout, at most deployment.warmupAttempts
/// attempts with a growing delay between them on the engine's clock.
/// </summary>
internal sealed class SlotWarmup(DeploymentSettings settings, HttpClient http, TimeProvider time)
{
    /// <summary>Warms <paramref name="wrapper"/> up in <paramref name="slot"/>: a passed check on the first accepted answer, else the last failure.</summary>
    public async Task<GateResult> WarmUpAsync(WrapperDefinition wrapper, SlotDefinition slot, CancellationToken ct)
    {
        var d = settings;
        var url = new Uri(UrlOf(slot, wrapper));
        string detail = "not attempted";
        int? code = null;
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; attempt <= d.WarmupAttempts; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(d.WarmupTimeout);
            try
            {
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                code = (int)response.StatusCode;
                if (d.WarmupStatusCodes.Contains(code.Value))
                {
                    return new GateResult(wrapper.Name, slot.Name, "Warmup", true, attempt, code, clock.Elapsed.TotalMilliseconds, $"GET {url.AbsolutePath} answered {code}");
                }

                detail = $"GET {url.AbsolutePath} answered {code}, not one of {string.Join("/", d.WarmupStatusCodes)}";
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                detail = $"GET {url.AbsolutePath} did not answer within {d.WarmupTimeout.TotalSeconds:0.##} s";
            }
            catch (HttpRequestException ex)
            {
                detail = $"GET {url.AbsolutePath} failed: {ex.Message}";
            }

            if (attempt < d.WarmupAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * Math.Pow(2, attempt - 1))), time, ct).ConfigureAwait(false);
            }
        }

        return new GateResult(wrapper.Name, slot.Name, "Warmup", false, d.WarmupAttempts, code, clock.Elapsed.TotalMilliseconds, $"{detail} (after {d.WarmupAttempts} attempt(s))");
    }

    /// <summary>The warm-up URL of <paramref name="wrapper"/> in <paramref name="slot"/>: its base URL there and deployment.warmupPath.</summary>
    public string UrlOf(SlotDefinition slot, WrapperDefinition wrapper) => slot.UrlOf(wrapper.Name)!.AbsoluteUri.TrimEnd('/') + settings.WarmupPath;
}
