using System.CommandLine;
using SessionKeeper.Cli;
using Xunit;

namespace SessionKeeper.Tests.Cli;

/// <summary>
/// Program builds only the verb the arguments name: what a user sees (help, parse errors, the
/// values parsed) must be the same as with the whole tree.
/// </summary>
public class ProgramTreeTests
{
    public static TheoryData<string[], string?> Verbs => new()
    {
        { ["jobs"], "jobs" },
        { ["status", "abc"], "status" },
        { ["--state-dir", "run", "jobs"], "jobs" },
        { ["--state-dir=/x", "-q", "--no-daemon", "run", "h", "--", "jobs"], "run" },
        { ["--journal", "sqlite", "-v", "batch", "list"], "batch" },
        { ["--verbose", "--quiet", "kill", "j"], "kill" },
        { [], null },
        { ["--help"], null },
        { ["--version"], null },
        { ["jbos"], null },
        { ["--bogus", "jobs"], null },
        { ["-qv", "jobs"], null },
        { ["--no-daemon", "true", "jobs"], null },
        { ["--state-dir"], null },
        { ["--", "jobs"], null },
    };

    [Theory]
    [MemberData(nameof(Verbs))]
    public void The_verb_is_the_first_word_after_the_roots_options(string[] args, string? verb)
    {
        Assert.Equal(verb, Program.VerbOf(args));
    }

    public static TheoryData<string[]> CommandLines => new()
    {
        { ["jobs", "--help"] },
        { ["run", "--help"] },
        { ["batch", "--help"] },
        { ["batch", "kill", "--help"] },
        { ["status", "-h"] },
        { ["daemon", "--help"] },
        { ["adopt", "--help"] },
        { ["jobs", "--hots", "x"] },
        { ["status"] },
        { ["run", "-d"] },
        { ["kill", "j", "--grace", "1s", "extra", "words"] },
        { ["--state-dir", "/tmp/x", "config"] },
        { ["wait", "a", "b"] },
    };

    [Theory]
    [MemberData(nameof(CommandLines))]
    public void A_verbs_tree_parses_and_helps_as_the_whole_tree(string[] args)
    {
        var verb = Program.VerbOf(args);
        Assert.NotNull(verb);
        var (fullErrors, fullOutput) = Run(Program.BuildRoot(), args);
        var (errors, output) = Run(Program.BuildRoot(verb), args);
        Assert.Equal(fullErrors, errors);
        Assert.Equal(fullOutput, output);
    }

    [Fact]
    public void Every_verb_is_in_the_whole_tree_in_order()
    {
        var names = Program.BuildRoot().Subcommands.Select(c => c.Name).ToList();
        Assert.Equal(16, names.Count);
        foreach (var name in names)
        {
            Assert.Equal(name, Program.VerbOf([name]));
            Assert.Equal([name], Program.BuildRoot(name).Subcommands.Select(c => c.Name));
        }
    }

    private static (string Errors, string Output) Run(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var errors = string.Join("\n", parsed.Errors.Select(e => e.Message));
        if (parsed.Errors.Count > 0 || !args.Any(a => a is "--help" or "-h"))
        {
            return (errors, "");
        }

        var output = new StringWriter();
        parsed.Invoke(new InvocationConfiguration { Output = output, EnableDefaultExceptionHandler = false });
        return (errors, output.ToString());
    }
}
