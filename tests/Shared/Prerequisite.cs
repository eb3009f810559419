namespace SessionKeeper.Testing;

/// <summary>
/// What a test needs from the machine (root, an installed tool). Missing, the test is skipped
/// with the reason, which scripts/test.sh lists; in CI (CI=true) it fails instead: there nothing
/// may be skipped or quietly replaced by something easier.
/// </summary>
public static class Prerequisite
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void Require(bool condition, string reason)
    {
        if (condition)
        {
            return;
        }

        if (InCi)
        {
            Assert.Fail($"{reason} (CI=true: a missing prerequisite is a failure, not a skip)");
        }

        Skip.If(true, reason);
    }
}
