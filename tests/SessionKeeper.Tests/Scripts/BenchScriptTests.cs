using System.Text.RegularExpressions;

namespace SessionKeeper.Tests.Scripts;

/// <summary>
/// The benchmark scripts run the CLI with a local state directory of their own. One they make
/// themselves must be 0700, as the CLI makes it: one that others can read earns a warning on every
/// command, which would then be part of what a benchmark measures and prints. A directory the
/// scripts leave to the CLI is made private by the CLI.
/// </summary>
public partial class BenchScriptTests
{
    public static TheoryData<string> Scripts => [.. Directory.GetFiles(Path.Combine(RepositoryRoot(), "scripts"), "bench-*.sh").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(Scripts))]
    public void A_state_directory_a_benchmark_makes_itself_is_private(string script)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "scripts", script));
        var stateDirs = lines.SelectMany(l => StateDirectory().Matches(l)).Select(m => m.Groups["dir"].Value).Distinct().ToList();

        Assert.NotEmpty(stateDirs); // every benchmark runs the CLI with a state directory of its own
        foreach (var dir in stateDirs)
        {
            var argument = new Regex($@"(^|\s)""?{Regex.Escape(dir)}""?(\s|$)");
            foreach (var mkdir in lines.Where(l => Mkdir().IsMatch(l) && argument.IsMatch(l)))
            {
                Assert.True(PrivateMode().IsMatch(mkdir), $"{script}: `{mkdir.Trim()}` makes the state directory {dir} without -m 700");
            }
        }
    }

    [GeneratedRegex(@"(--state-dir\s+|SESSIONKEEPER_STATE_DIR=)""?(?<dir>[^""\s]+)")]
    private static partial Regex StateDirectory();

    [GeneratedRegex(@"(^|[\s;&|(])mkdir\s")]
    private static partial Regex Mkdir();

    [GeneratedRegex(@"\smkdir\s+(-p\s+)?-m\s*0?700\s|^\s*mkdir\s+(-p\s+)?-m\s*0?700\s")]
    private static partial Regex PrivateMode();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SessionKeeper.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no SessionKeeper.sln above {AppContext.BaseDirectory}");
    }
}
