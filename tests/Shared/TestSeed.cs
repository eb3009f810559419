using System.Globalization;
using Xunit.Abstractions;

namespace SessionKeeper.Testing;

/// <summary>
/// Seeds of randomized tests. Each test has its own fixed seed, so a run is repeatable as it is;
/// SESSIONKEEPER_TEST_SEED=N mixes N into every seed, to explore other schedules, and replays
/// exactly the same ones when given the same N again (the README's testing section names it).
/// </summary>
public static class TestSeed
{
    public const string Variable = "SESSIONKEEPER_TEST_SEED";

    /// <summary>The value of SESSIONKEEPER_TEST_SEED, or null when unset.</summary>
    public static int? Override =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } text
            ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture)
            : null;

    /// <summary>The seed to use for a test whose own seed is <paramref name="seed"/>.</summary>
    public static int Of(int seed) => Override is { } mix ? Mix(mix, seed) : seed;

    /// <summary>
    /// The same in every process (HashCode.Combine is not: it is keyed per process, so a seed it
    /// made could never be replayed): a SplitMix64 finaliser over both values.
    /// </summary>
    private static int Mix(int mix, int seed)
    {
        var z = unchecked(((ulong)(uint)mix << 32 | (uint)seed) + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    /// <summary>
    /// A chaos schedule's random source: its seed from <paramref name="variable"/> when set (to
    /// replay a run), a new one otherwise; the seed is written to <paramref name="output"/> with
    /// how to replay it.
    /// </summary>
    public static Random Replayable(string variable, ITestOutputHelper output)
    {
        var seed = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } given
            ? int.Parse(given, CultureInfo.InvariantCulture)
            : System.Random.Shared.Next();
        output.WriteLine($"seed {seed} ({variable}={seed} replays this schedule)");
        return Random(seed);
    }

    public static Random Random(int seed, ITestOutputHelper? output = null)
    {
        var effective = Of(seed);
        output?.WriteLine($"seed {effective} (test seed {seed}, {Variable}={Override?.ToString(CultureInfo.InvariantCulture) ?? "unset"})");
        return new Random(effective);
    }
}
