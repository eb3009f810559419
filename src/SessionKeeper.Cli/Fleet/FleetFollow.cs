using System.Diagnostics;
using System.Globalization;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Fleet.Runs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Ssh;

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
        // The progress line lives on the terminal: only when stdout and stderr both are one (on a
        // pipe or a file there is nothing to redraw), and never among JSON events.
        var progress = mode != FleetOutputMode.Json && !Console.IsOutputRedirected && !Console.IsErrorRedirected
            ? console.StartProgress(clock)
            : null;
        try
        {
            var run = keeper.RunBatchAsync(batchId, jobs, console, parallel, limit, options, input, interrupt);
            if (progress is not null)
            {
                await RedrawAsync(progress, run);
            }

            results = await run;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            progress?.Stop();
            // The keeper journaled the hosts that were sent nothing as not launched: no implicit
            // path launches them later.
            Console.Error.WriteLine($"sessionkeeper: detached; the jobs of batch {batchId} keep running.");
            Console.Error.WriteLine($"  see them:  sessionkeeper batch status {batchId}");
            Console.Error.WriteLine($"  carry on:  sessionkeeper batch resume {batchId}");
            Console.Error.WriteLine($"  stop them: sessionkeeper batch kill {batchId}");
            return 130;
        }
        finally
        {
            progress?.Stop(); // whatever ended the run, the line does not stay under what follows
        }

        var exitCode = FleetOutcomes.ExitCode(results.Select(r => r.Outcome));
        switch (mode)
        {
            case FleetOutputMode.Json:
                FleetReport.WriteSummary(console.Json, results, clock.Elapsed, batchId, exitCode);
                break;
            case FleetOutputMode.Group:
                FleetReport.PrintGrouped(results, output.Raw);
                FleetReport.PrintSummary(results, clock.Elapsed, output.FullSummary);
                break;
            default:
                FleetReport.PrintSummary(results, clock.Elapsed, output.FullSummary);
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

    /// <summary>Redraws the progress line four times a second until the run ends (its figures change with time, not only with events).</summary>
    private static async Task RedrawAsync(ProgressLine progress, Task run)
    {
        while (!run.IsCompleted)
        {
            progress.Draw();
            await Task.WhenAny(run, Task.Delay(250));
        }
    }
}
