namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>The fields of /proc/&lt;pid&gt;/stat the infrastructure uses.</summary>
/// <param name="StartTime">Field 22, clock ticks since boot; with the pid it identifies a process.</param>
public readonly record struct ProcStat(int Pid, string Comm, char State, int ParentPid, int ProcessGroup, long StartTime)
{
    public bool IsZombie => State is 'Z' or 'X';

    public bool IsStopped => State is 'T' or 't';
}
