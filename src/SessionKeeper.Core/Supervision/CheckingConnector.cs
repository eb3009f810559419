using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Core.Supervision;

/// <summary>
/// For a job "to be checked" (a supervisor stopped while it ran): the first connection that gets
/// through asks the target for the job's state and journals it, so the journal stops saying
/// to-be-checked at the first contact rather than when the job ends.
/// </summary>
internal sealed class CheckingConnector(IRemoteConnector inner, JobJournal journal, JobId jobId, TimeProvider time) : IRemoteConnector
{
    private bool _checked;

    public string HostLabel => inner.HostLabel;

    public async Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var session = await inner.ConnectAsync(cancellationToken);
        if (_checked)
        {
            return session;
        }

        try
        {
            var status = await new JobClient(session).StatusAsync(jobId, cancellationToken);
            journal.RecordStatus(jobId, status, time.GetUtcNow(), settled: false);
            _checked = true;
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }
}
