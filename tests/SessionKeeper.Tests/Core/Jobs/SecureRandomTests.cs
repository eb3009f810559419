using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Tests.Core.Jobs;

public sealed class SecureRandomTests
{
    /// <summary>
    /// Every bit of every byte varies: the Guid's fixed version and variant bits are not among them
    /// (a byte drawn from those would show its fixed bits in every sample).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(14)]
    [InlineData(16)]
    [InlineData(33)]
    public void Every_bit_of_every_byte_is_random(int length)
    {
        var ones = new int[length * 8];
        const int Samples = 400;
        for (var s = 0; s < Samples; s++)
        {
            var bytes = SecureRandom.GetBytes(length);
            Assert.Equal(length, bytes.Length);
            for (var bit = 0; bit < ones.Length; bit++)
            {
                ones[bit] += (bytes[bit / 8] >> (bit % 8)) & 1;
            }
        }

        // Binomial(400, 1/2): mean 200, sd 10; 100..300 is 10 sd either side.
        Assert.All(ones, count => Assert.InRange(count, 100, 300));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(32)]
    [InlineData(256)]
    public void An_integer_is_within_its_range_and_reaches_every_value(int toExclusive)
    {
        var seen = new HashSet<int>();
        for (var i = 0; i < toExclusive * 60; i++)
        {
            var value = SecureRandom.GetInt32(toExclusive);
            Assert.InRange(value, 0, toExclusive - 1);
            seen.Add(value);
        }

        Assert.Equal(toExclusive, seen.Count);
    }

    [Fact]
    public void Ids_and_cookies_drawn_from_it_differ()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => JobId.New().Value).ToHashSet();
        var cookies = Enumerable.Range(0, 1000).Select(_ => JobCookie.New().Value).ToHashSet();
        Assert.Equal((1000, 1000), (ids.Count, cookies.Count));
        Assert.All(cookies, c => Assert.Matches("^[0-9a-f]{32}$", c));
    }
}
