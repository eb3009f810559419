using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Tests.Fakes;

internal static class JobClientPolling
{
    /// <summary>The job's status once the target says it has finished, polled with <see cref="Poll.Generous"/> as the overall timeout.</summary>
    public static Task<JobStatus> UntilFinishedAsync(this JobClient client, string id) =>
        Poll.UntilAsync(() => client.StatusAsync(JobId.Parse(id)), s => s.State.IsFinished(), $"job {id} to finish on the target");
}
