using System.Globalization;
using Npgsql;
using SessionKeeper.IntegrationTests.Agent;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// Daemons sharing a PostgreSQL journal (a real throwaway cluster) with leases of 3 s, against the
/// real sshd: each supervises its share (60 jobs on 20 hosts); a SIGKILLed one's jobs are taken over and finished with
/// mirrors byte-equal to the targets' logs and right exit codes, no job or restart launched twice
/// (a counter file each job appends to when it starts); one whose journal link is black-holed
/// stops acting on its jobs, another takes them over, and when the link comes back the first one
/// does not take them back or write them; a daemon that joins picks up its share (the first hands
/// jobs back mid-stream); a PostgreSQL restart is survived.
/// </summary>
[Collection(SupervisionTests.Name)]
public sealed class LeaseFailoverTests(SupervisionHost host, PostgresCluster cluster, ITestOutputHelper output) : IClassFixture<PostgresCluster>, IDisposable
{
    private const int Hosts = 20;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(60);
    private readonly List<string> _databases = [];
    private readonly List<Workstation> _workstations = [];

    public void Dispose()
    {
        foreach (var url in _databases)
        {
            cluster.DropDatabase(url);
        }
    }

    /// <summary>
    /// The issue's scale proof: 60 jobs on 20 hosts (three batches on <c>h1</c> ... <c>h20</c>, the
    /// third on h1-h19 ending by itself after a few seconds, and one job with a restart policy on
    /// h20), 3 daemons; the one holding the restart job is SIGKILLed while everything streams.
    /// The 20 hosts are ssh_config aliases of the one test sshd (as <c>FleetLab.Aliases</c> does):
    /// they differ only by their names, which is what a daemon supervises them by.
    /// </summary>
    [SkippableFact(Timeout = 420_000)]
    public async Task Three_daemons_share_60_jobs_on_20_hosts_and_a_SIGKILLed_one_s_jobs_are_taken_over_each_launched_once()
    {
        var url = NewDatabase();
        var launcher = Workstation("lease-run");
        var daemons = Enumerable.Range(1, 3).Select(i => StartDaemon(Workstation($"lease-d{i}"), url)).ToList();
        var counters = host.TempFile($"lease-counters-{Guid.NewGuid():N}");
        Directory.CreateDirectory(counters);
        var config = host.TempFile($"lease-hosts-{Guid.NewGuid():N}.config");
        await File.WriteAllTextAsync(config, string.Concat(Enumerable.Range(1, Hosts).Select(n =>
            $"Host h{n}\n    HostName 127.0.0.1\n    Port {host.Sshd.Port}\n    User {host.Sshd.UserName}\n")));
        string[] connection = ["-F", config, "-i", host.Sshd.UserKeyPath, "--known-hosts", host.Sshd.KnownHostsPath, "--connect-timeout", "15s"];
        var stop = host.TempFile($"lease-{Guid.NewGuid():N}.stop");
        var count = $"echo start >> '{counters}'/\"$SESSIONKEEPER_JOB_ID\"; ";
        try
        {
            await Poll.UntilAsync(() => Scalar(url, "SELECT count(*) FROM daemons") == 3, Step, "three daemons registered");

            // The restart job first (oldest: claimed first), then the batches.
            var restartId = SupervisionHost.NewJobId("lse");
            var restart = await launcher.RunAsync(
                ["run", .. connection, "--id", restartId, "--shell", "/bin/sh", "--detach", "--restart", "on-failure", "--max-restarts", "1", "--restart-delay", "200ms", $"h{Hosts}", "--", count + SequenceJob.Command(stop, 1, pause: "0.3")],
                Journal(url));
            Assert.True(restart.ExitCode == 0, $"run --detach: {restart}");
            var expected = new Dictionary<string, int> { [restartId] = 1 };
            (string Prefix, string Hosts, int Exit, string Command)[] batches =
            [
                ("lsa", $"h[1-{Hosts}]", 0, SequenceJob.Command(stop, 0, pause: "0.3")),
                ("lsb", $"h[1-{Hosts}]", 2, SequenceJob.Command(stop, 2, pause: "0.3")),
                ("lsc", $"h[1-{Hosts - 1}]", 3, FiniteCommand(3)),
            ];
            foreach (var (prefix, hosts, exit, command) in batches)
            {
                var batch = prefix + Guid.NewGuid().ToString("N")[..8];
                var run = await launcher.RunAsync(["run", .. connection, "--id", batch, "--shell", "/bin/sh", "--detach", "-H", hosts, "--", count + command], Journal(url));
                Assert.True(run.ExitCode == 0, $"run --detach -H {hosts}: {run}");
                foreach (var entry in await JournalAsync(launcher, url))
                {
                    if (entry.Id.StartsWith(batch + "-", StringComparison.Ordinal))
                    {
                        expected[entry.Id] = exit;
                    }
                }
            }

            Assert.Equal(3 * Hosts, expected.Count);
            var longRunning = expected.Keys.Where(id => !id.StartsWith("lsc", StringComparison.Ordinal)).ToList();
            var spread = await Poll.ObjectAsync(
                () => Owners(url) is var o && longRunning.All(o.ContainsKey) && o.Values.Select(v => v.Owner).Distinct().Count() == 3 ? o : null,
                Step,
                "every long-running job leased, to all three daemons");
            output.WriteLine("shares: " + string.Join(", ", spread.Values.GroupBy(v => v.Owner).Select(g => $"{g.Key} {g.Count()}")));
            await Poll.UntilAsync(() => longRunning.All(id => MirrorLength(id) > 0), Step, "every long-running job streaming into its mirror");

            // SIGKILL the daemon with the restart job, mid-stream.
            var leased = Owners(url);
            var victimId = leased[restartId].Owner;
            var victim = daemons.Single(d => victimId.Contains($"/{d.Pid}/", StringComparison.Ordinal));
            var taken = leased.Where(kv => kv.Value.Owner == victimId && longRunning.Contains(kv.Key)).Select(kv => kv.Key).ToList();
            victim.Signal(PosixSignals.SIGKILL);
            await victim.WaitForExitAsync().WaitAsync(Step);
            output.WriteLine($"SIGKILLed {victimId} holding {taken.Count} long-running: {string.Join(" ", taken)}");

            var after = await Poll.ObjectAsync(
                () => Owners(url) is var o && taken.All(id => o.TryGetValue(id, out var l) && l.Owner != victimId && l.Token > leased[id].Token) ? o : null,
                Step,
                $"{victimId}'s jobs taken over");
            var sizes = taken.ToDictionary(id => id, MirrorLength);
            await Poll.UntilAsync(() => taken.All(id => MirrorLength(id) > sizes[id]), Step, "the jobs taken over streaming again");
            output.WriteLine("taken over by: " + string.Join(", ", after.Where(kv => taken.Contains(kv.Key)).GroupBy(kv => kv.Value.Owner).Select(g => $"{g.Key} {g.Count()}")));

            await File.WriteAllTextAsync(stop, "");
            var restarted = restartId + "-r2";
            var finished = await WaitForJournalAsync(launcher, url, j => j.Count == expected.Count + 1 && j.All(e => e.Phase == "finished"), "every job and the restart finished");
            foreach (var survivor in daemons.Where(d => d != victim))
            {
                survivor.Signal(PosixSignals.SIGTERM);
                var stopped = await survivor.WaitForResultAsync(Step);
                Assert.True(stopped.ExitCode == 0, stopped.ToString());
            }

            foreach (var (id, exit) in expected)
            {
                AssertComplete(id, exit, Path.Combine(counters, id), finished);
            }

            var again = finished.Single(e => e.Id == restarted);
            Assert.Equal(("exited", (int?)1, 2), (again.State, again.ExitCode, again.Attempt));
            Assert.Equal(SupervisionHost.Sha256(File.ReadAllBytes(host.RemoteLog(restarted))), SupervisionHost.Sha256(ReadMirror(restarted)));
            Assert.Single(File.ReadAllLines(Path.Combine(counters, restarted)));
            Assert.Equal(expected.Count + 1, Directory.GetFiles(counters).Length); // nothing else was started
        }
        finally
        {
            foreach (var daemon in daemons)
            {
                await daemon.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Credentials are each daemon's own. The jobs are launched through an ssh-agent that holds the
    /// target's key; the first daemon's agent holds only a stranger's, so it cannot authenticate: it
    /// says so once for the target, leaves the jobs to the others instead of failing them, and does
    /// not claim them again. A second daemon with the right agent takes them all, above its share,
    /// and follows each to its end: exit codes right, mirrors equal to the targets' logs, each
    /// started once.
    /// </summary>
    [SkippableFact(Timeout = 300_000)]
    public async Task A_daemon_that_cannot_authenticate_to_a_target_leaves_its_jobs_to_the_others_and_fails_none()
    {
        var url = NewDatabase();
        var agents = host.TempFile($"lease-agents-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(agents, "right"));
        Directory.CreateDirectory(Path.Combine(agents, "stranger"));
        await using var right = await SshAgentProcess.StartAsync(Path.Combine(agents, "right"));
        await right.AddAsync(host.Sshd.UserKeyPath);
        await using var wrong = await SshAgentProcess.StartAsync(Path.Combine(agents, "stranger"));
        var strangerKey = Path.Combine(agents, "stranger_ed25519");
        await SshKeyGen.GenerateAsync(strangerKey, "ed25519", CancellationToken.None);
        await wrong.AddAsync(strangerKey);
        var withKey = Journal(url);
        withKey["SSH_AUTH_SOCK"] = right.SocketPath;
        var withoutKey = Journal(url);
        withoutKey["SSH_AUTH_SOCK"] = wrong.SocketPath;
        // No -i: the jobs record the agent as their credentials, whichever machine follows them.
        string[] connection = ["-p", host.Sshd.Port.ToString(CultureInfo.InvariantCulture), "--known-hosts", host.Sshd.KnownHostsPath, "--connect-timeout", "15s"];

        var launcher = Workstation("lease-auth-run");
        await using var refused = Workstation("lease-auth-refused").Start(["daemon", "--poll", "200ms", "--lease", "3s", .. SupervisionHost.Fast], withoutKey);
        await Poll.UntilAsync(() => Scalar(url, "SELECT count(*) FROM daemons") == 1, Step, "the daemon without the key registered");
        var jobs = Enumerable.Range(0, 4).Select(i => NewJob("lsr", i)).ToList();
        foreach (var job in jobs)
        {
            var run = await launcher.RunAsync(["run", .. connection, "--id", job.Id, "--shell", "/bin/sh", "--detach", host.Destination, "--", job.Command], withKey);
            Assert.True(run.ExitCode == 0, $"run --detach: {run}");
        }

        await Poll.UntilAsync(
            () => refused.StderrText.Contains("this daemon cannot authenticate there", StringComparison.Ordinal) || refused.HasExited,
            Step,
            "the daemon without the key to say it cannot authenticate");
        Assert.False(refused.HasExited, refused.StderrText);

        await using var able = Workstation("lease-auth-able").Start(["daemon", "--poll", "200ms", "--lease", "3s", .. SupervisionHost.Fast], withKey);
        var owners = await Poll.ObjectAsync(
            () => Owners(url) is var o && jobs.All(j => o.ContainsKey(j.Id)) && o.Values.Select(v => v.Owner).Distinct().Count() == 1 && o.Values.All(v => !v.Owner.Contains($"/{refused.Pid}/", StringComparison.Ordinal)) ? o : null,
            Step,
            "every job leased to the daemon with the key");
        await Poll.UntilAsync(() => jobs.All(j => MirrorLength(j.Id) > 0), Step, "every job streaming into the able daemon's mirror");
        foreach (var job in jobs)
        {
            await File.WriteAllTextAsync(job.StopFile, "");
        }

        var finished = await WaitForJournalAsync(launcher, url, j => jobs.All(job => j.Any(e => e.Id == job.Id && e.Phase == "finished")), "every job finished");
        foreach (var job in jobs)
        {
            AssertComplete(job, finished, starts: 1);
        }

        // Said once for the target (its other jobs there are only noted as left); none was failed.
        Assert.Equal(1, CountOf(refused.StderrText, "its jobs there are left to the other daemons, not failed"));
        Assert.Single(owners.Values.Select(v => v.Owner).Distinct());
        foreach (var daemon in new[] { refused, able })
        {
            daemon.Signal(PosixSignals.SIGTERM);
            var stopped = await daemon.WaitForResultAsync(Step);
            Assert.True(stopped.ExitCode == 0, stopped.ToString());
        }
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [SkippableFact(Timeout = 300_000)]
    public async Task A_daemon_whose_journal_link_is_black_holed_stops_acting_another_takes_over_and_it_does_not_write_when_the_link_returns()
    {
        var url = NewDatabase();
        await using var link = FaultProxy.Start(cluster.Port);
        var cutUrl = url.Replace($":{cluster.Port}/", $":{link.Port}/", StringComparison.Ordinal);
        var launcher = Workstation("lease-bh");
        await using var cut = StartDaemon(Workstation("lease-bh-cut"), cutUrl);
        await Poll.UntilAsync(() => Scalar(url, "SELECT count(*) FROM daemons") == 1, Step, "the first daemon registered");
        await using var other = StartDaemon(Workstation("lease-bh-other"), url);
        await Poll.UntilAsync(() => Scalar(url, "SELECT count(*) FROM daemons") == 2, Step, "both daemons registered");
        var jobs = new List<LeasedJob>();
        for (var i = 0; i < 6; i++)
        {
            var job = NewJob("bh", i % 3);
            jobs.Add(job);
            var run = await launcher.RunAsync(host.RunArguments(job.Id, job.Command, ["--detach"]), Journal(url));
            Assert.True(run.ExitCode == 0, $"run --detach: {run}");
        }

        var spread = await Poll.ObjectAsync(
            () => Owners(url) is var o && o.Count == jobs.Count && o.Values.Select(v => v.Owner).Distinct().Count() == 2 ? o : null,
            Step,
            "every job leased, to both daemons");
        await Poll.UntilAsync(() => jobs.All(j => MirrorLength(j.Id) > 0), Step, "every job streaming");
        var cutId = spread.Values.Select(v => v.Owner).Distinct().Single(o => o.Contains($"/{cut.Pid}/", StringComparison.Ordinal));
        var theirs = spread.Where(kv => kv.Value.Owner == cutId).Select(kv => kv.Key).ToList();

        link.BlackHole();
        await Poll.UntilAsync(
            () => theirs.All(id => cut.StderrText.Contains($"job {id}: stopped acting on it: no lease renewal succeeded", StringComparison.Ordinal)),
            Step,
            () => $"the cut daemon to stop acting on {string.Join(" ", theirs)}\n{cut.StderrText}");
        var after = await Poll.ObjectAsync(
            () => Owners(url) is var o && theirs.All(id => o[id].Owner != cutId && o[id].Token > spread[id].Token) ? o : null,
            Step,
            "the other daemon to take them over");
        var sizes = theirs.ToDictionary(id => id, MirrorLength);
        await Poll.UntilAsync(() => theirs.All(id => MirrorLength(id) > sizes[id]), Step, "the jobs taken over streaming again");

        // The link comes back: the cut daemon renews again, holding nothing of its old leases (the
        // other may hand it some back to rebalance, with new tokens).
        var mark = cut.StderrText.Length;
        link.ResetAll();
        link.Resume();
        await Poll.UntilAsync(() => cut.StderrText[mark..].Contains("leases renewed again", StringComparison.Ordinal), Step, () => $"the cut daemon to renew again\n{cut.StderrText}");
        foreach (var job in jobs)
        {
            await File.WriteAllTextAsync(job.StopFile, "");
        }

        var finished = await WaitForJournalAsync(launcher, url, j => j.Count == jobs.Count && j.All(e => e.Phase == "finished"), "every job finished");
        var owners = Owners(url);
        output.WriteLine($"cut {cutId} held {string.Join(" ", theirs)}; after the link returned: {string.Join(", ", theirs.Select(id => $"{id} {owners[id].Owner} token {owners[id].Token}"))}");
        // Each job is where the takeover put it, or was handed back to the cut daemon since by
        // rebalancing (it is live again) under a new, higher token: never under its old lease.
        Assert.All(theirs, id => Assert.True(owners[id] == (after[id].Owner, after[id].Token) || owners[id].Token > after[id].Token, $"{id}: {owners[id]} after {after[id]}"));
        var late = cut.StderrText[mark..];
        foreach (var id in theirs.Where(id => owners[id] == (after[id].Owner, after[id].Token)))
        {
            Assert.DoesNotContain($"job {id} on", late, StringComparison.Ordinal); // neither supervised nor finished there again
        }
        foreach (var job in jobs)
        {
            AssertComplete(job, finished, 1);
        }

        other.Signal(PosixSignals.SIGTERM);
        Assert.Equal(0, (await other.WaitForResultAsync(Step)).ExitCode);
    }

    [SkippableFact(Timeout = 300_000)]
    public async Task A_daemon_that_joins_picks_up_its_share_handed_over_mid_stream_without_a_byte_lost()
    {
        var url = NewDatabase();
        var launcher = Workstation("lease-join");
        await using var first = StartDaemon(Workstation("lease-join-1"), url);
        await Poll.UntilAsync(() => Scalar(url, "SELECT count(*) FROM daemons") == 1, Step, "the first daemon registered");
        var jobs = new List<LeasedJob>();
        for (var i = 0; i < 6; i++)
        {
            var job = NewJob("jn", i % 3);
            jobs.Add(job);
            var run = await launcher.RunAsync(host.RunArguments(job.Id, job.Command, ["--detach"]), Journal(url));
            Assert.True(run.ExitCode == 0, $"run --detach: {run}");
        }

        var alone = await Poll.ObjectAsync(() => Owners(url) is var o && o.Count == jobs.Count ? o : null, Step, "every job leased to the first daemon");
        await Poll.UntilAsync(() => jobs.All(j => MirrorLength(j.Id) > 0), Step, "every job streaming");

        await using var second = StartDaemon(Workstation("lease-join-2"), url);
        var shared = await Poll.ObjectAsync(
            () => Owners(url) is var o && o.Count == jobs.Count && o.Values.GroupBy(v => v.Owner).Select(g => g.Count()).Order().SequenceEqual([3, 3]) ? o : null,
            Step,
            () => $"the second daemon to pick up its share\n{first.StderrText}");
        var moved = jobs.Select(j => j.Id).Where(id => shared[id].Owner != alone[id].Owner).ToList();
        output.WriteLine($"handed over: {string.Join(", ", moved.Select(id => $"{id} token {alone[id].Token} -> {shared[id].Token}"))}");
        Assert.Contains("handed 3 job(s) back to the journal", first.StderrText, StringComparison.Ordinal);
        var sizes = moved.ToDictionary(id => id, MirrorLength);
        await Poll.UntilAsync(() => moved.All(id => MirrorLength(id) > sizes[id]), Step, "the jobs handed over streaming again");

        foreach (var job in jobs)
        {
            await File.WriteAllTextAsync(job.StopFile, "");
        }

        var finished = await WaitForJournalAsync(launcher, url, j => j.Count == jobs.Count && j.All(e => e.Phase == "finished"), "every job finished");
        foreach (var job in jobs)
        {
            AssertComplete(job, finished, 1);
        }

        foreach (var daemon in new[] { first, second })
        {
            daemon.Signal(PosixSignals.SIGTERM);
            Assert.Equal(0, (await daemon.WaitForResultAsync(Step)).ExitCode);
        }
    }

    [SkippableFact(Timeout = 300_000)]
    public async Task After_a_PostgreSQL_restart_the_daemons_reconnect_and_carry_on()
    {
        var url = NewDatabase();
        var launcher = Workstation("lease-pgr");
        await using var first = StartDaemon(Workstation("lease-pgr-1"), url);
        await using var second = StartDaemon(Workstation("lease-pgr-2"), url);
        await Poll.UntilAsync(() => Scalar(url, "SELECT count(*) FROM daemons") == 2, Step, "both daemons registered");
        var jobs = new List<LeasedJob>();
        for (var i = 0; i < 4; i++)
        {
            var job = NewJob("pgr", i);
            jobs.Add(job);
            var run = await launcher.RunAsync(host.RunArguments(job.Id, job.Command, ["--detach"]), Journal(url));
            Assert.True(run.ExitCode == 0, $"run --detach: {run}");
        }

        await Poll.UntilAsync(() => Owners(url).Count == jobs.Count, Step, "every job leased");
        await Poll.UntilAsync(() => jobs.All(j => MirrorLength(j.Id) > 0), Step, "every job streaming");

        cluster.Restart();
        output.WriteLine("PostgreSQL restarted");
        var restartedAt = (first.StderrText.Length, second.StderrText.Length);
        var sizes = jobs.ToDictionary(j => j.Id, j => MirrorLength(j.Id));
        await Poll.UntilAsync(() => jobs.All(j => MirrorLength(j.Id) > sizes[j.Id]), Step, "every job still streaming");
        foreach (var job in jobs)
        {
            await File.WriteAllTextAsync(job.StopFile, "");
        }

        var finished = await WaitForJournalAsync(launcher, url, j => j.Count == jobs.Count && j.All(e => e.Phase == "finished"), "every job finished after the restart");
        output.WriteLine($"after the restart: {first.StderrText[restartedAt.Item1..]}{second.StderrText[restartedAt.Item2..]}");
        foreach (var job in jobs)
        {
            AssertComplete(job, finished, 1);
        }

        foreach (var daemon in new[] { first, second })
        {
            daemon.Signal(PosixSignals.SIGTERM);
            Assert.Equal(0, (await daemon.WaitForResultAsync(Step)).ExitCode);
        }
    }

    private sealed record LeasedJob(string Id, string StopFile, string Counter, int ExitCode, string Command);

    private LeasedJob NewJob(string prefix, int exitCode)
    {
        var id = SupervisionHost.NewJobId(prefix);
        var stop = host.TempFile(id + ".stop");
        var counter = host.TempFile(id + ".starts");
        return new LeasedJob(id, stop, counter, exitCode, $"echo start >> '{counter}'; " + SequenceJob.Command(stop, exitCode));
    }

    private Workstation Workstation(string name)
    {
        var workstation = host.NewWorkstation(name);
        _workstations.Add(workstation);
        return workstation;
    }

    private static CliProcess StartDaemon(Workstation workstation, string url) =>
        workstation.Start(["daemon", "--poll", "200ms", "--lease", "3s", .. SupervisionHost.Fast], Journal(url));

    private static Dictionary<string, string?> Journal(string url) => new() { ["SESSIONKEEPER_JOURNAL"] = url };

    private string NewDatabase()
    {
        var url = cluster.NewDatabase();
        _databases.Add(url);
        return url;
    }

    private string ConnectionString(string url) =>
        $"Host=127.0.0.1;Port={cluster.Port};Username={PostgresCluster.Superuser};Database={url[(url.LastIndexOf('/') + 1)..]};Pooling=false;Timeout=10";

    /// <summary>A count from the journal; -1 before the first daemon created its tables.</summary>
    private long Scalar(string url, string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString(url));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        try
        {
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return -1;
        }
    }

    /// <summary>Every leased unfinished job: its owner and token, from the journal itself.</summary>
    private Dictionary<string, (string Owner, long Token)> Owners(string url)
    {
        using var connection = new NpgsqlConnection(ConnectionString(url));
        connection.Open();
        using var command = new NpgsqlCommand("SELECT id, lease_owner, lease_token FROM jobs WHERE lease_owner IS NOT NULL", connection);
        using var reader = command.ExecuteReader();
        var owners = new Dictionary<string, (string, long)>();
        while (reader.Read())
        {
            owners[reader.GetString(0)] = (reader.GetString(1), reader.GetInt64(2));
        }

        return owners;
    }

    /// <summary>A job's one mirror, wherever a daemon or the launcher keeps it.</summary>
    private string? MirrorOf(string id) => _workstations.SelectMany(w => w.Mirrors(id)).SingleOrDefault();

    private long MirrorLength(string id) => MirrorOf(id) is { } path ? new FileInfo(path).Length : 0;

    private byte[] ReadMirror(string id) => File.ReadAllBytes(MirrorOf(id) ?? throw new InvalidOperationException($"no mirror of {id}"));

    private static async Task<IReadOnlyList<JournalEntry>> WaitForJournalAsync(Workstation workstation, string url, Func<IReadOnlyList<JournalEntry>, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var jobs = await workstation.RunAsync(["jobs", "--json"], Journal(url));
            Assert.True(jobs.ExitCode == 0, jobs.ToString());
            var entries = JournalEntry.ParseArray(jobs.StdoutText);
            if (done(entries))
            {
                return entries;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the journal never showed {what}; last seen:\n{string.Join('\n', entries)}");
            }

            await Task.Delay(Poll.DefaultInterval * 10);
        }
    }

    private void AssertComplete(LeasedJob job, IReadOnlyList<JournalEntry> journal, int starts) =>
        AssertComplete(job.Id, job.ExitCode, job.Counter, journal, starts);

    private void AssertComplete(string id, int exitCode, string counter, IReadOnlyList<JournalEntry> journal, int starts = 1)
    {
        var remote = File.ReadAllBytes(host.RemoteLog(id));
        var mirror = ReadMirror(id);
        var lines = SequenceJob.Analyze(mirror);
        var entry = journal.Single(e => e.Id == id);
        var counted = File.ReadAllLines(counter).Length;
        output.WriteLine($"{id}: remote {remote.Length} B, mirror {mirror.Length} B, {lines.Lines} lines, journal {entry.State} {entry.ExitCode}, started {counted} time(s)");
        Assert.Equal(SupervisionHost.Sha256(remote), SupervisionHost.Sha256(mirror));
        Assert.True(lines.IsPerfect, lines.ToString());
        Assert.Equal(("exited", (int?)exitCode), (entry.State, entry.ExitCode));
        Assert.Equal(starts, counted);
    }

    /// <summary>A sequence job that ends by itself: 20 bursts over about 6 s, then "end N" and <paramref name="exitCode"/>.</summary>
    private static string FiniteCommand(int exitCode) =>
        "i=0; while [ $i -lt 100 ]; do j=0; while [ $j -lt 5 ]; do "
        + "echo \"seq $i abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\"; "
        + $"i=$((i+1)); j=$((j+1)); done; sleep 0.3; done; echo \"end $i\"; exit {exitCode}";

    private static async Task<IReadOnlyList<JournalEntry>> JournalAsync(Workstation workstation, string url)
    {
        var jobs = await workstation.RunAsync(["jobs", "--json"], Journal(url));
        Assert.True(jobs.ExitCode == 0, jobs.ToString());
        return JournalEntry.ParseArray(jobs.StdoutText);
    }
}
