using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Streaming;

public class FullJitterBackoffTests
{
    [Fact]
    public void Delays_stay_under_the_exponential_ceiling_and_the_cap()
    {
        var random = TestSeed.Random(42);
        var initial = TimeSpan.FromMilliseconds(250);
        var cap = TimeSpan.FromSeconds(5);
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var ceiling = Math.Min(cap.TotalMilliseconds, 250 * Math.Pow(2, attempt));
            for (var i = 0; i < 200; i++)
            {
                var delay = FullJitterBackoff.Delay(attempt, initial, cap, random);
                Assert.InRange(delay.TotalMilliseconds, 0, ceiling);
            }
        }
    }

    [Fact]
    public void Delays_are_spread_over_the_whole_range()
    {
        var random = TestSeed.Random(1);
        var delays = Enumerable.Range(0, 2000).Select(_ => FullJitterBackoff.Delay(10, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), random).TotalMilliseconds).ToList();
        Assert.True(delays.Min() < 500);
        Assert.True(delays.Max() > 4500);
    }

    /// <summary>The ceiling per attempt, written out by hand (250 ms doubling, capped at 5 s): an oracle, not the formula again.</summary>
    [Theory]
    [InlineData(0, 250)]
    [InlineData(1, 500)]
    [InlineData(2, 1000)]
    [InlineData(3, 2000)]
    [InlineData(4, 4000)]
    [InlineData(5, 5000)]
    [InlineData(31, 5000)]
    [InlineData(int.MaxValue, 5000)]
    public void A_delay_is_the_uniform_draw_scaled_to_the_attempts_ceiling(int attempt, double ceilingMs)
    {
        foreach (var draw in (double[])[0.0, 0.25, 0.5, 0.999999])
        {
            var delay = FullJitterBackoff.Delay(attempt, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), new FixedDraw(draw));
            Assert.Equal(ceilingMs * draw, delay.TotalMilliseconds, precision: 3);
            Assert.True(delay < TimeSpan.FromMilliseconds(ceilingMs), $"attempt {attempt}: {delay} is not below the ceiling {ceilingMs} ms");
        }
    }

    private sealed class FixedDraw(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
