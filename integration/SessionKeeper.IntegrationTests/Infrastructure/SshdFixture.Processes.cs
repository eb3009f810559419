using System.ComponentModel;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <remarks>
/// Fault injection on a live connection (measured with OpenSSH 9.2 ssh against this sshd):
/// signal the <see cref="SshdProcessKind.Session"/> process ("sshd: user@notty"), never the
/// "[priv]" monitor. The session process holds the TCP socket and does all network I/O;
/// SIGKILL of it makes the monitor close the socket at once (client: "closed by remote host",
/// exit 255), SIGSTOP of it leaves the socket open and silent (the client hangs until its own
/// ServerAlive timeout). SIGKILL or SIGSTOP of the monitor changes nothing visible: the session
/// process keeps its copy of the socket and carries on. Root logins have no monitor at all.
/// </remarks>
public sealed partial class SshdFixture
{
    private readonly List<(int Pid, long StartTime)> _retired = [];

    /// <summary>Live (non-zombie) per-connection sshd processes below the listener.</summary>
    public IReadOnlyList<SshdConnectionProcess> ConnectionProcesses()
    {
        var snapshot = ProcFs.Snapshot();
        return [.. ProcFs.Descendants(Pid, snapshot)
            .Where(s => s.Comm == "sshd" && !s.IsZombie)
            .Select(s => SshdConnectionProcess.From(s, ProcFs.ReadCommandLine(s.Pid)))];
    }

    /// <summary>Pids of every per-connection sshd process (monitors, sessions, pre-auth).</summary>
    public IReadOnlyList<int> PerConnectionSshdPids() => [.. ConnectionProcesses().Select(p => p.Pid)];

    /// <summary>The processes to SIGKILL (cut) or SIGSTOP (black-hole) a connection, optionally for one user.</summary>
    public IReadOnlyList<SshdConnectionProcess> SessionProcesses(string? user = null) =>
        [.. ConnectionProcesses().Where(p => p.Kind == SshdProcessKind.Session && (user is null || p.UserName == user))];

    /// <summary>Polls until a session process exists (for <paramref name="user"/> if given) and returns it.</summary>
    public Task<SshdConnectionProcess> WaitForSessionProcessAsync(
        string? user = null, TimeSpan? timeout = null, CancellationToken ct = default) =>
        Poll.ObjectAsync(
            () => SessionProcesses(user) is [var first, ..] ? first : null,
            timeout ?? TimeSpan.FromSeconds(15),
            $"an sshd session process for {user ?? "any user"}",
            ct);

    /// <summary>kill(pid, signal); false if the process is gone. Refuses pid &lt;= 1.</summary>
    public static bool Signal(int pid, int signal) => PosixSignals.Send(pid, signal);

    /// <summary>
    /// Everything this fixture is responsible for: descendants of the listener, connection
    /// processes of listeners stopped by a restart, and any process whose environment carries
    /// this fixture's marker (sessions and the jobs they started, even when re-parented).
    /// </summary>
    private Dictionary<int, long> CollectOwnedProcesses()
    {
        var snapshot = ProcFs.Snapshot();
        var alive = snapshot.Where(s => !s.IsZombie).ToDictionary(s => s.Pid, s => s.StartTime);
        var owned = new Dictionary<int, long>();
        var roots = _retired.Where(r => alive.TryGetValue(r.Pid, out var start) && start == r.StartTime).Select(r => r.Pid).ToList();
        if (_listener is { HasExited: false } listener)
        {
            roots.Add(listener.Pid);
        }

        foreach (var root in roots)
        {
            if (root != _listener?.Pid)
            {
                owned[root] = alive[root];
            }

            foreach (var child in ProcFs.Descendants(root, snapshot).Where(c => !c.IsZombie))
            {
                owned[child.Pid] = child.StartTime;
            }
        }

        var marker = $"{MarkerVariable}={TempDir}";
        foreach (var (pid, start) in alive)
        {
            if (pid != Environment.ProcessId && ProcFs.EnvironmentContains(pid, marker))
            {
                owned[pid] = start;
            }
        }

        return owned;
    }

    /// <summary>SIGCONT (for stopped ones) then SIGKILL each process still matching its start time.</summary>
    private static void KillAll(IReadOnlyDictionary<int, long> processes)
    {
        foreach (var (pid, start) in processes)
        {
            if (pid <= 1 || !ProcFs.IsAlive(pid, start))
            {
                continue;
            }

            try
            {
                PosixSignals.Send(pid, PosixSignals.SIGCONT);
                PosixSignals.Send(pid, PosixSignals.SIGKILL);
            }
            catch (Win32Exception)
            {
                // Not ours to kill after all (EPERM): leave it.
            }
        }
    }
}
