using System.Text.RegularExpressions;

namespace SessionKeeper.Tests.Ssh.HostKeys;

/// <summary>The lines that <c>ssh-keygen -F name -f file</c> reported as matching.</summary>
internal static partial class SshKeygenFindResult
{
    /// <summary>Runs the lookup and returns "line[ MARKER]" for each match, e.g. "3", "7 REVOKED", "9 CA".</summary>
    public static IReadOnlyList<string> Find(string name, string file)
    {
        var result = SshKeygen.Run("-F", name, "-f", file);
        Assert.True(result.ExitCode is 0 or 1, $"ssh-keygen -F {name} failed ({result.ExitCode}): {result.StdErr}");
        return [.. result.StdOut
            .Split('\n')
            .Select(line => HeaderPattern().Match(line))
            .Where(m => m.Success)
            .Select(m => (m.Groups[1].Value + " " + m.Groups[2].Value).Trim())];
    }

    /// <summary>The file lines that <c>ssh-keygen -F</c> printed (everything but its "# Host" headers).</summary>
    public static IReadOnlyList<string> FindLines(string name, string file) =>
        [.. SshKeygen.Run("-F", name, "-f", file).StdOut
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith("# Host ", StringComparison.Ordinal))];

    [GeneratedRegex(@"^# Host .* found: line (\d+) ?(CA|REVOKED)?\s*$")]
    private static partial Regex HeaderPattern();
}
