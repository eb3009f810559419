using System.Text;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// Job texts for fleet runs. The same command runs on every host; it learns its host's number from
/// its job id (<c>BATCH-07</c>, or <c>BATCH-07-r2</c> for a retry) and appends its job id to that
/// host's counter file, so a test can count the runs per host.
/// </summary>
public static class FleetJob
{
    /// <summary>Lines 1 to 200 of `seq`.</summary>
    public static readonly string Sequence = string.Concat(Enumerable.Range(1, 200).Select(i => $"{i}\n"));

    /// <summary>What <see cref="Standard"/> writes: the same on every host.</summary>
    public static readonly byte[] StandardLog = Encoding.ASCII.GetBytes("start\n" + Sequence);

    /// <summary>Sets $n to the host number and counts the run.</summary>
    public static string Prelude(string counterDir) =>
        $"n=${{SESSIONKEEPER_JOB_ID#*-}}; n=${{n%%-*}}; n=$(expr \"$n\" + 0); echo \"$SESSIONKEEPER_JOB_ID\" >> '{counterDir}/'\"$n\"; ";

    /// <summary>
    /// `echo start; sleep 2; seq 1 200; exit $((n % 3))`; host <paramref name="killedHost"/>
    /// (if any) instead dies of SIGKILL after its output.
    /// </summary>
    public static string Standard(string counterDir, int? killedHost = null) =>
        Prelude(counterDir) + "echo start; sleep 2; seq 1 200; "
        + (killedHost is { } k ? $"[ \"$n\" = {k} ] && kill -KILL $$; " : "")
        + "exit $((n % 3))";

    /// <summary>The exit code <see cref="Standard"/> ends with on host <paramref name="number"/>.</summary>
    public static int StandardExitCode(int number) => number % 3;
}
