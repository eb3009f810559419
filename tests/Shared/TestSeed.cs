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
    public static int Of(int seed) => Override is { } mix ? HashCode.Combine(mix, seed) & int.MaxValue : seed;

    public static Random Random(int seed, ITestOutputHelper? output = null)
    {
        var effective = Of(seed);
        output?.WriteLine($"seed {effective} (test seed {seed}, {Variable}={Override?.ToString(CultureInfo.InvariantCulture) ?? "unset"})");
        return new Random(effective);
    }
}
