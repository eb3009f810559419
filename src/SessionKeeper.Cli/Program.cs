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
        var root = BuildRoot();
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

    public static RootCommand BuildRoot()
    {
        var ssh = new SshOptions();
        var stream = new StreamOptions();
        var root = new RootCommand("SessionKeeper: remote jobs that outlive their SSH connection.");
        root.Options.Add(CommonArguments.StateDir);
        root.Options.Add(CommonArguments.Quiet);
        root.Options.Add(CommonArguments.Verbose);
        root.Options.Add(CommonArguments.NoDaemon);
        root.Options.Add(CommonArguments.Journal);
        root.Subcommands.Add(RunCommand.Create(ssh, stream));
        root.Subcommands.Add(AttachCommand.Create(ssh, stream));
        root.Subcommands.Add(LogsCommand.Create(ssh, stream));
        root.Subcommands.Add(StatusCommand.Create(ssh));
        root.Subcommands.Add(PsCommand.Create(ssh));
        root.Subcommands.Add(WaitCommand.Create(ssh));
        root.Subcommands.Add(KillCommand.Create(ssh));
        root.Subcommands.Add(RmCommand.Create(ssh));
        root.Subcommands.Add(JobsCommand.Create());
        root.Subcommands.Add(ResumeCommand.Create(stream));
        root.Subcommands.Add(RetryCommand.Create(stream));
        root.Subcommands.Add(DaemonCommand.Create(stream));
        root.Subcommands.Add(GcCommand.Create(ssh));
        root.Subcommands.Add(ConfigCommand.Create(ssh));
        root.Subcommands.Add(BatchCommand.Create(stream));
        root.Subcommands.Add(AdoptCommand.Create(ssh));
        return root;
    }
}
