using System.Text;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Journal;

/// <summary>Where things live in the local state directory.</summary>
internal static class StateLayout
{
    /// <summary>The local copy of a job's output: mirrors/user@host_port/JOB (files JOB.out, JOB.err; see LogMirror).</summary>
    public static string Mirror(string stateRoot, string hostLabel, JobId jobId)
    {
        var safe = new StringBuilder();
        foreach (var c in hostLabel)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@' ? c : '_');
        }

        return Path.Combine(stateRoot, "mirrors", safe.ToString(), jobId.Value);
    }
}
