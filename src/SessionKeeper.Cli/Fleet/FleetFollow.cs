using System.Diagnostics;
using System.Globalization;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Fleet.Runs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Ssh;
using Spectre.Console;

namespace SessionKeeper.Cli.Fleet;

/// <summary>Runs a batch's journaled jobs through Core's <see cref="FleetRunner"/> and follows them in the terminal: live progress, output, summary, exit code.</summary>
internal static class FleetFollow
{
    public static async Task<int> RunAsync(
        JobKeeper keeper,
        string batchId,
        IReadOnlyList<JournalJob> jobs,
        FleetOutput output,
        int parallel,
        int? limit,
        AttachOptions options,
        Func<Stream>? input,
        CancellationToken interrupt)
    {
        var mode = output.Mode;
        var console = new FleetConsole(output, jobs.Count);
        var clock = Stopwatch.StartNew();
        IReadOnlyList<FleetHostResult> results;
        try
        {
            var run = keeper.RunBatchAsync(batchId, jobs, console, parallel, limit, options, input, interrupt);
            // The live display redraws its lines in place: tagged lines written to the same
            // terminal meanwhile would be overwritten, so it is shown only when they go elsewhere.
            if (mode != FleetOutputMode.Json && !Console.IsErrorRedirected && (mode == FleetOutputMode.Group || Console.IsOutputRedirected))
            {
                console.DeferReports();
                try
                {
                    await ShowProgressAsync(console, run, clock);
                }
                finally
                {
                    console.StopDeferring();
                }
            }

            results = await run;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            // The keeper journaled the hosts that were sent nothing as not launched: no implicit
            // path launches them later.
            Console.Error.WriteLine($"sessionkeeper: detached; the jobs of batch {batchId} keep running.");
            Console.Error.WriteLine($"  see them:  sessionkeeper batch status {batchId}");
            Console.Error.WriteLine($"  carry on:  sessionkeeper batch resume {batchId}");
            Console.Error.WriteLine($"  stop them: sessionkeeper batch kill {batchId}");
            return 130;
        }

        var exitCode = FleetOutcomes.ExitCode(results.Select(r => r.Outcome));
        switch (mode)
        {
            case FleetOutputMode.Json:
                FleetReport.WriteSummary(console.Json, results, clock.Elapsed, batchId, exitCode);
                break;
            case FleetOutputMode.Group:
                FleetReport.PrintGrouped(results, output.Raw);
                FleetReport.PrintTable(results, clock.Elapsed);
                break;
            default:
                FleetReport.PrintTable(results, clock.Elapsed);
                break;
        }

        Console.Error.WriteLine($"sessionkeeper: batch {batchId}: exit code {exitCode}.");
        return exitCode;
    }

    /// <summary>"N" hosts or "P%" of them.</summary>
    public static int? MaxFailures(string? text, int total)
    {
        if (text is null)
        {
            return null;
        }

        if (text.EndsWith('%') && double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent) && percent is >= 0 and <= 100)
        {
            return Math.Max(1, (int)Math.Ceiling(total * percent / 100));
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? n
            : throw new SessionKeeperException(FailureKind.InvalidInput, $"invalid --max-failures '{text}': use a count like 5 or a percentage like 10%.");
    }

    private static async Task ShowProgressAsync(FleetConsole fleet, Task run, Stopwatch clock)
    {
        // Straight to the terminal (only called when stderr is one): the display's own cursor
        // movements must not be escaped like the text we print through Console.Error.
        var terminal = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true };
        var stderr = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(terminal),
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
        });
        await stderr.Status().StartAsync(fleet.Progress(clock.Elapsed), async context =>
        {
            while (!run.IsCompleted)
            {
                context.Status(Markup.Escape(fleet.Progress(clock.Elapsed)));
                await Task.WhenAny(run, Task.Delay(250));
            }
        });
    }
}
