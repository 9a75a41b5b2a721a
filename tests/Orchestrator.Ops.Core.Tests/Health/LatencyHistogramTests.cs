using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.Tests.Health;

public sealed class LatencyHistogramTests
{
    private static readonly double[] Percentiles = [1, 10, 50, 90, 95, 99, 99.9, 100];

    /// <summary>Known latency distributions (ms), from a fixed seed so a failure reproduces.</summary>
    public static TheoryData<string> Distributions => new() { "uniform-sub-ms", "lognormal", "exponential-to-minutes", "bimodal", "constant" };

    private static double[] Sample(string name)
    {
        var random = new Random(20261128);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return name switch
        {
            "uniform-sub-ms" => [.. Enumerable.Range(0, 20_000).Select(_ => 0.05 + (random.NextDouble() * 0.95))],
            "lognormal" => [.. Enumerable.Range(0, 20_000).Select(_ => Math.Exp(1.5 + Normal()))],
            "exponential-to-minutes" => [.. Enumerable.Range(0, 20_000).Select(_ => Math.Min(600_000, 0.2 - (5_000 * Math.Log(1 - random.NextDouble()))))],
            "bimodal" => [.. Enumerable.Range(0, 20_000).Select(i => i % 10 == 0 ? 30_000 + (random.NextDouble() * 90_000) : 0.3 + (random.NextDouble() * 0.4))],
            "constant" => [.. Enumerable.Repeat(4.2, 1_000)],
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Theory]
    [MemberData(nameof(Distributions))]
    public void Percentiles_are_within_the_documented_error_of_the_exact_nearest_rank(string distribution)
    {
        var values = Sample(distribution);
        var histogram = new LatencyHistogram();
        foreach (var v in values)
        {
            histogram.Record(v);
        }

        Array.Sort(values);
        Assert.Equal(values.Length, histogram.Count);
        foreach (var p in Percentiles)
        {
            var exact = Percentile.NearestRank(values, p)!.Value;
            var estimate = Percentile.NearestRank(histogram, p)!.Value;
            Assert.True(Math.Abs(estimate - exact) <= exact * LatencyHistogram.MaxRelativeError,
                $"{distribution} P{p}: histogram {estimate} ms, exact {exact} ms, off by {Math.Abs(estimate - exact) / exact:P2}");
        }
    }

    [Fact]
    public void The_documented_error_is_3_percent_and_every_bucket_from_1_us_is_at_most_a_sixteenth_of_its_start_wide()
    {
        Assert.Equal(1.0 / 32, LatencyHistogram.MaxRelativeError);
        var previousHigh = 0.0;
        for (var i = 0; i < LatencyHistogram.BucketCount; i++)
        {
            var (low, high) = LatencyHistogram.BoundsOf(i);
            Assert.Equal(previousHigh, low, 12);
            Assert.True(high > low);
            if (low >= 0.001)
            {
                Assert.True(high - low <= low / 16 * (1 + 1e-12), $"bucket {i} [{low}, {high}) ms");
            }

            // Values at both ends of the bucket fall in it.
            Assert.Equal(i, LatencyHistogram.IndexOf(low + ((high - low) / 1000)));
            Assert.Equal(i, LatencyHistogram.IndexOf(high - ((high - low) / 1000)));
            previousHigh = high;
        }

        Assert.True(previousHigh >= 19 * 3_600_000, $"the last bucket ends at {previousHigh} ms");
        Assert.Equal(LatencyHistogram.BucketCount - 1, LatencyHistogram.IndexOf(1e12));
        Assert.Equal(0, LatencyHistogram.IndexOf(-1));
        Assert.Equal(0, LatencyHistogram.IndexOf(double.NaN));
    }

    [Fact]
    public void Encoded_histograms_round_trip_and_add_up()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        foreach (var v in Sample("lognormal").Take(5_000))
        {
            a.Record(v);
        }

        foreach (var v in Sample("bimodal").Take(3_000))
        {
            b.Record(v);
        }

        b.RecordMany(1e9, 3);
        var back = LatencyHistogram.FromBytes(a.ToBytes());
        Assert.Equal(a.ToBytes(), back.ToBytes());
        Assert.Equal(a.Count, back.Count);

        var sum = LatencyHistogram.FromBytes(LatencyHistogram.AddEncoded(a.ToBytes(), b.ToBytes()));
        Assert.Equal(8_003, sum.Count);
        for (var i = 0; i < LatencyHistogram.BucketCount; i++)
        {
            Assert.Equal(a.CountAt(i) + b.CountAt(i), sum.CountAt(i));
        }

        Assert.Empty(new LatencyHistogram().ToBytes());
        Assert.Throws<FormatException>(() => LatencyHistogram.FromBytes([0x80]));
        Assert.Throws<FormatException>(() => LatencyHistogram.FromBytes([0xFF, 0x7F, 0x01]));
    }
}
