using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// One simulated host of a fleet run: 127.0.0.1 on its own port. <see cref="Number"/> is its place
/// in the run's target list, which is also the suffix of its job id (<c>BATCH-NN</c>): the job
/// reads it back from $SESSIONKEEPER_JOB_ID to know which host it runs on (see <see cref="FleetJob"/>).
/// </summary>
public sealed class TargetHost(int number, TargetKind kind, string user, int port, FaultProxy? proxy, string remoteStateDir)
{
    public int Number { get; } = number;

    public TargetKind Kind { get; } = kind;

    public string User { get; } = user;

    public int Port { get; } = port;

    /// <summary>The proxy that is this host (null for <see cref="TargetKind.ClosedPort"/>).</summary>
    public FaultProxy? Proxy { get; } = proxy;

    /// <summary>As the CLI labels the host, and as it is written on the command line.</summary>
    public string Label => $"{User}@127.0.0.1:{Port}";

    /// <summary>Whether a job can run there at all.</summary>
    public bool IsReachable => Kind is TargetKind.Good or TargetKind.Dropbear;

    /// <summary>The outcome a run must report when nothing else (the job's exit code) decides it.</summary>
    public string? ConnectionOutcome => Kind switch
    {
        TargetKind.AuthRefused => "auth-refused",
        TargetKind.HostKeyChanged => "hostkey-refused",
        TargetKind.ClosedPort or TargetKind.Refusing or TargetKind.Silent => "unreachable",
        _ => null,
    };

    /// <summary>The job directory of <paramref name="jobId"/> on this host.</summary>
    public string JobDir(string jobId) => Kind == TargetKind.Dropbear
        ? DropbearServer.JobDir(jobId)
        : Path.Combine(remoteStateDir, "sessionkeeper", "jobs", jobId);

    public override string ToString() => $"#{Number} {Kind} {Label}";
}
