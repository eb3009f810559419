using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;

namespace SessionKeeper;

/// <summary>A host jobs run on, as its transport resolved it (for SSH: <c>SessionKeeper.Ssh.SshTarget</c>).</summary>
public interface IJobHost
{
    /// <summary>How messages and listings name the host, for example <c>deploy@web1:2222</c>.</summary>
    string Label { get; }
}

/// <summary>
/// How the keeper reaches hosts: connects to them, and turns a host into the journal's record and
/// back, so that a brand-new process reconnects exactly as the job was launched.
/// </summary>
public interface ITransport
{
    /// <summary>Opens connections to <paramref name="host"/>.</summary>
    IRemoteConnector Connector(IJobHost host);

    /// <summary>The journal's record of <paramref name="host"/>; <see cref="Restore"/> gives the same host back.</summary>
    JobEndpoint Describe(IJobHost host);

    /// <summary>The host a journaled job was launched on.</summary>
    IJobHost Restore(JobEndpoint endpoint);
}
