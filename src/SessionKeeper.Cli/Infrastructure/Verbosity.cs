using System.CommandLine;
using SessionKeeper.Cli.Commands;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// How much of its own the CLI says on stderr, as ssh does: the job's output is never affected,
/// and errors are always said. In order: -q, stderr not a terminal, a terminal, -v.
/// </summary>
internal enum Verbosity
{
    /// <summary>-q: errors only.</summary>
    Errors,

    /// <summary>stderr is a pipe or a file: errors, and what changes the outcome (warnings, restarts).</summary>
    Outcome,

    /// <summary>stderr is a terminal: also the status lines (started, link lost, reconnected).</summary>
    Status,

    /// <summary>-v: the status lines wherever stderr goes, and connection details.</summary>
    Verbose,
}

internal static class Verbosities
{
    /// <summary>The verbosity the command line asks for; -q and -v together are refused.</summary>
    public static Verbosity Of(ParseResult result)
    {
        var (quiet, verbose) = (result.GetValue(CommonArguments.Quiet), result.GetValue(CommonArguments.Verbose));
        if (quiet && verbose)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, "-q (quiet) and -v (verbose) contradict each other; give one of them.");
        }

        return quiet ? Verbosity.Errors : verbose ? Verbosity.Verbose : Console.IsErrorRedirected ? Verbosity.Outcome : Verbosity.Status;
    }

    /// <summary>At most <paramref name="most"/>: a detached command has no status to tell.</summary>
    public static Verbosity AtMost(this Verbosity verbosity, Verbosity most) => verbosity < most ? verbosity : most;
}
