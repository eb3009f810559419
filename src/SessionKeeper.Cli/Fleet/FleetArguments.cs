using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Fleet.Targets;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Fleet;

/// <summary>The arguments of `run` on several hosts, and what they launch: the batch journaled, then launched detached or followed (<see cref="FleetFollow"/>).</summary>
internal sealed class FleetArguments
{
    public Option<string[]> Hosts { get; } = new("--hosts", "-H")
    {
        Description = "Targets: web1,web2 | web[01-20] | @hosts.txt | @inventory.ini[:group]; repeatable. With -H, every word after -- is the command.",
    };

    public Option<int> Parallel { get; } = new("--parallel", "-j") { Description = "Connections opened and used at once (default 32).", DefaultValueFactory = _ => 32 };

    public Option<string?> MaxFailures { get; } = new("--max-failures") { Description = "Stop launching on new hosts after N (or P%) failures; running jobs go on." };

    public Option<string?> ReconnectBudget { get; } = new("--reconnect-budget") { Description = "Per host: how long to keep reconnecting before the host is unreachable (default 5m)." };

    public Option<bool> Tag { get; } = new("--tag") { Description = "Prefix each output line with its host (the default for several hosts)." };

    public Option<bool> Group { get; } = new("--group") { Description = "Gather output and fold identical outputs together, at the end." };

    public Option<bool> Json { get; } = new("--json") { Description = "JSON Lines events on stdout instead of text." };

    public Option<bool> Raw { get; } = new("--raw") { Description = "With --tag or --group: print the jobs' lines as they are, control characters included (by default they are shown escaped, like \\e)." };

    public Option<string?> Summary { get; } = new("--summary")
    {
        Description = "folded (default): hosts with the same outcome folded into ranges, those not ok also one per row; full: one row per host.",
    };

    public Option<bool> Yes { get; } = new("--yes") { Description = $"Launch on more than {LargeFleet} hosts without asking." };

    /// <summary>`run` only: piped stdin, read to its end first, then given to every host.</summary>
    public Option<bool> StdinToAll { get; } = new("--stdin-to-all") { Description = "Read piped stdin to its end, then give every host the same bytes as its stdin (a fleet refuses piped stdin otherwise)." };

    /// <summary>More hosts than this need --yes, or a confirmation on the terminal.</summary>
    public const int LargeFleet = 10_000;

    public void AddTo(Command command)
    {
        command.Options.Add(Hosts);
        command.Options.Add(Parallel);
        command.Options.Add(MaxFailures);
        command.Options.Add(ReconnectBudget);
        command.Options.Add(Tag);
        command.Options.Add(Group);
        command.Options.Add(Json);
        command.Options.Add(Raw);
        command.Options.Add(Summary);
    }

    /// <summary>`run` only: the confirmation of a large fleet.</summary>
    public void AddConfirmationTo(Command command)
    {
        command.Options.Add(Yes);
        command.Options.Add(StdinToAll);
    }

    public FleetOutput Mode(ParseResult result)
    {
        var mode = (result.GetValue(Json), result.GetValue(Group), result.GetValue(Tag)) switch
        {
            (true, true, _) or (true, _, true) or (_, true, true) => throw new SessionKeeperException(FailureKind.InvalidInput, "choose one of --tag, --group and --json."),
            (true, _, _) => FleetOutputMode.Json,
            (_, true, _) => FleetOutputMode.Group,
            _ => FleetOutputMode.Tag,
        };
        var raw = result.GetValue(Raw);
        var full = result.GetValue(Summary) switch
        {
            null or "folded" => false,
            "full" => true,
            var other => throw new SessionKeeperException(FailureKind.InvalidInput, $"invalid --summary '{other}': use folded (the default) or full."),
        };
        return raw && mode == FleetOutputMode.Json
            ? throw new SessionKeeperException(FailureKind.InvalidInput, "--raw applies to --tag and --group; --json output is exact already (bytes that are not UTF-8 come as line_base64).")
            : new FleetOutput(mode, raw, full);
    }

    public Core.Streaming.AttachOptions Stream(ParseResult result, StreamOptions streamOptions) =>
        streamOptions.Resolve(result) with
        {
            GiveUpAfter = result.GetValue(ReconnectBudget) is { } budget ? Durations.Parse(budget, "--reconnect-budget") : TimeSpan.FromMinutes(5),
        };

    /// <summary>
    /// --parallel, validated. Every fleet verb decides its parallelism here, so here the open files
    /// limit is raised for it (soft to hard, said at -v): a fleet holds a socket per connection.
    /// </summary>
    public int ParallelLimit(ParseResult result)
    {
        var n = result.GetValue(Parallel) is var p and >= 1 ? p : throw new SessionKeeperException(FailureKind.InvalidInput, "--parallel must be at least 1.");
        OpenFileLimit.Raise(Verbosities.Of(result), n);
        return n;
    }

    public async Task<int> RunAsync(
        ParseResult result,
        string[] hostSpecs,
        SshOptions ssh,
        StreamOptions streamOptions,
        JobSpec spec,
        RestartPolicy restart,
        string batchId,
        bool detach,
        string stateRoot,
        Stream? stdin,
        CancellationToken interrupt)
    {
        // Everything is checked before anything is journaled: a bad option leaves no job behind.
        interrupt.ThrowIfCancellationRequested();
        var toAll = result.GetValue(StdinToAll);
        if (stdin is not null && !toAll)
        {
            throw new SessionKeeperException(
                FailureKind.InvalidInput,
                "stdin is piped, but a run on several hosts does not read it: give --stdin-to-all to send every host the same bytes, or -n to give them /dev/null.");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var targets = TargetSelector.Resolve(hostSpecs, Environment.CurrentDirectory, home);
        var mode = Mode(result);
        var options = Stream(result, streamOptions);
        var parallel = ParallelLimit(result);
        var limit = FleetFollow.MaxFailures(result.GetValue(MaxFailures), targets.Count);
        Confirm(targets.Count, result.GetValue(Yes), interrupt);
        var resolved = new List<SshTarget>(targets.Count);
        foreach (var target in targets)
        {
            if (resolved.Count % 256 == 0)
            {
                if (resolved.Count > 0)
                {
                    Core.Supervision.FaultPoints.Hold("hold-resolving", interrupt);
                }

                interrupt.ThrowIfCancellationRequested();
            }

            resolved.Add(Resolve(result, ssh, target));
        }

        // Every host gets the same bytes, each at its own pace and through its own drops: our stdin
        // is read to its end into a private file first, and each host's upload reads that file.
        using var spool = stdin is null ? null : await FleetStdin.SpoolAsync(stdin, stateRoot, batchId, interrupt);
        Func<Stream>? input = spool is null ? null : spool.Open;
        var keeper = Keepers.Open(stateRoot, null, Verbosities.Of(result), Keepers.MayBroker(result), journal: result.GetValue(Commands.CommonArguments.Journal));
        // Each host keeps the name it was given (alias, inventory name, range member) for every listing.
        var jobs = keeper.PlanNamedBatch(batchId, resolved, [.. targets.Select(t => (string?)t.DisplayName)], new JobRequest(spec) { Restart = restart }, interrupt);
        Console.Error.WriteLine($"sessionkeeper: batch {batchId}: {jobs.Count} host(s).");
        if (detach)
        {
            // Launch everywhere, follow nothing. As before, --max-failures is not applied to a
            // detached launch: every host is launched.
            var gate = new Lock();
            var started = await keeper.StartBatchAsync(batchId, jobs, parallel, options, start =>
            {
                if (start.Failure is { } failure)
                {
                    lock (gate)
                    {
                        Console.Error.WriteLine($"sessionkeeper: {start.Job.DisplayName}: {failure.Message}");
                    }
                }
            }, input, interrupt);
            Console.WriteLine(batchId);
            return started.All(s => s.Failure is null) ? 0 : 3;
        }

        return await FleetFollow.RunAsync(keeper, batchId, jobs, mode, parallel, limit, options, input, interrupt);
    }

    /// <summary>A typo in a range must not start 100,000 jobs: beyond <see cref="LargeFleet"/> hosts, ask.</summary>
    private static void Confirm(int count, bool yes, CancellationToken interrupt)
    {
        if (count <= LargeFleet || yes)
        {
            return;
        }

        if (Console.IsInputRedirected || Console.IsErrorRedirected)
        {
            throw new SessionKeeperException(
                FailureKind.NeedsConfirmation,
                $"this would launch on {count} hosts (more than {LargeFleet}); add --yes if that is what you mean. Nothing was launched.");
        }

        Console.Error.Write($"sessionkeeper: launch on {count} hosts? [y/N] ");
        var answer = Task.Run(Console.ReadLine, interrupt).WaitAsync(interrupt).GetAwaiter().GetResult();
        if (answer?.Trim() is not ("y" or "Y" or "yes"))
        {
            throw new SessionKeeperException(FailureKind.NeedsConfirmation, $"not confirmed: nothing was launched on the {count} hosts.");
        }
    }

    private static SshTarget Resolve(ParseResult result, SshOptions ssh, FleetTarget target)
    {
        var destination = target.User is { } user ? $"{user}@{target.Address}" : target.Address;
        // An inventory's port acts like -p: ssh_config still decides everything else for the host.
        return ssh.Resolve(result, destination, target.Port);
    }
}
