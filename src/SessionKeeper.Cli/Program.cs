using System.CommandLine;
using SessionKeeper.Cli.Commands;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        VisibleTextWriter.Install();
        RawArguments.Capture(args);
        using var interrupts = new Interrupts();
        var root = BuildRoot(VerbOf(args));
        var configuration = new ParserConfiguration { ResponseFileTokenReplacer = null };
        var parsed = root.Parse(args, configuration);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine($"sessionkeeper: {error.Message}");
            }

            Console.Error.WriteLine("Try 'sessionkeeper --help'.");
            return ExitCodes.InvalidInput;
        }

        try
        {
            // Ctrl-C and SIGTERM are ours (Interrupts: a forward on the first press, cancel on the
            // second), so System.CommandLine's own handler is off and every action gets our token.
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, interrupts.Token);
        }
        catch (SessionKeeperException ex)
        {
            Console.Error.WriteLine($"sessionkeeper: {FailureText.Describe(ex)}");
            return ExitCodes.For(ex.Kind);
        }
        catch (OperationCanceledException) when (interrupts.Token.IsCancellationRequested)
        {
            Console.Error.WriteLine("sessionkeeper: interrupted.");
            return 130;
        }
    }

    /// <summary>Every verb, in the order help lists them.</summary>
    private static readonly (string Name, Func<SshOptions, StreamOptions, Command> Create)[] Verbs =
    [
        ("run", RunCommand.Create),
        ("attach", (ssh, stream) => AttachCommand.Create(ssh, stream)),
        ("logs", (ssh, stream) => LogsCommand.Create(ssh, stream)),
        ("status", (ssh, _) => StatusCommand.Create(ssh)),
        ("ps", (ssh, _) => PsCommand.Create(ssh)),
        ("wait", (ssh, _) => WaitCommand.Create(ssh)),
        ("kill", (ssh, _) => KillCommand.Create(ssh)),
        ("rm", (ssh, _) => RmCommand.Create(ssh)),
        ("jobs", (_, _) => JobsCommand.Create()),
        ("resume", (_, stream) => ResumeCommand.Create(stream)),
        ("retry", (_, stream) => RetryCommand.Create(stream)),
        ("daemon", (_, stream) => DaemonCommand.Create(stream)),
        ("gc", (ssh, _) => GcCommand.Create(ssh)),
        ("config", (ssh, _) => ConfigCommand.Create(ssh)),
        ("batch", (_, stream) => BatchCommand.Create(stream)),
        ("adopt", (ssh, _) => AdoptCommand.Create(ssh)),
    ];

    /// <summary>The whole command tree: every verb.</summary>
    public static RootCommand BuildRoot() => BuildRoot(verb: null);

    /// <summary>
    /// The command tree with only <paramref name="verb"/> under the root (all of them when null):
    /// a verb's parse, help and errors need no other verb, and building all sixteen, with their
    /// few hundred options, was a fifth of the CPU of `jobs` on an empty journal.
    /// </summary>
    public static RootCommand BuildRoot(string? verb)
    {
        var ssh = new SshOptions();
        var stream = new StreamOptions();
        var root = new RootCommand("SessionKeeper: remote jobs that outlive their SSH connection.");
        root.Options.Add(CommonArguments.StateDir);
        root.Options.Add(CommonArguments.Quiet);
        root.Options.Add(CommonArguments.Verbose);
        root.Options.Add(CommonArguments.NoDaemon);
        root.Options.Add(CommonArguments.Journal);
        foreach (var (name, create) in Verbs)
        {
            if (verb is null || verb == name)
            {
                root.Subcommands.Add(create(ssh, stream));
            }
        }

        return root;
    }

    /// <summary>
    /// The verb the arguments name: the first word that is not one of the root's options (or an
    /// option's value), when it is a verb. Null for anything else (no verb, --help, --version, a
    /// word that is no verb, an option the root does not know), which then gets the whole tree,
    /// so every message about it is the same as ever.
    /// </summary>
    internal static string? VerbOf(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var word = args[i];
            switch (word)
            {
                case "--quiet" or "-q" or "--verbose" or "-v" or "--no-daemon":
                    continue;
                case "--state-dir" or "--journal":
                    i++; // its value, whatever it reads
                    continue;
            }

            if (word.StartsWith("--state-dir=", StringComparison.Ordinal) || word.StartsWith("--state-dir:", StringComparison.Ordinal)
                || word.StartsWith("--journal=", StringComparison.Ordinal) || word.StartsWith("--journal:", StringComparison.Ordinal))
            {
                continue;
            }

            return Array.Exists(Verbs, v => v.Name == word) ? word : null;
        }

        return null;
    }
}
