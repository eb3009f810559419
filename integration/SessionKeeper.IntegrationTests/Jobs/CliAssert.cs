using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>What every failing CLI call must look like.</summary>
public static class CliAssert
{
    /// <summary>Asserts stderr is exactly one line "sessionkeeper: ..." without a stack trace; returns it.</summary>
    public static string SingleErrorLine(CliResult result)
    {
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr: {result}");
        Assert.StartsWith("sessionkeeper: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", lines[0], StringComparison.Ordinal);
        Assert.True(result.Stderr.EndsWith('\n'), "stderr must end with a newline");
        return lines[0];
    }
}
