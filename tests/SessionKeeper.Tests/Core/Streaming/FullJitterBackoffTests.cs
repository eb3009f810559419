using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Tests.Core.Streaming;

public class FullJitterBackoffTests
{
    [Fact]
    public void Delays_stay_under_the_exponential_ceiling_and_the_cap()
    {
        var random = new Random(42);
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
        var random = new Random(1);
        var delays = Enumerable.Range(0, 2000).Select(_ => FullJitterBackoff.Delay(10, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), random).TotalMilliseconds).ToList();
        Assert.True(delays.Min() < 500);
        Assert.True(delays.Max() > 4500);
    }
}
