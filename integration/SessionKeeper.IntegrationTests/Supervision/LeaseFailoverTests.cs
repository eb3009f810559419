using System.Globalization;
using Npgsql;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// Daemons sharing a PostgreSQL journal (a real throwaway cluster) with leases of 3 s, against the
/// real sshd: each supervises its share; a SIGKILLed one's jobs are taken over and finished with
/// mirrors byte-equal to the targets' logs and right exit codes, no job or restart launched twice
/// (a counter file each job appends to when it starts); one whose journal link is black-holed
/// stops acting on its jobs, another takes them over, and when the link comes back the first one
/// does not take them back or write them; a PostgreSQL restart is survived.
/// </summary>
[Collection(SupervisionTests.Name)]
public sealed class LeaseFailoverTests(SupervisionHost host, PostgresCluster cluster, ITestOutputHelper output) : IClassFixture<PostgresCluster>, IDisposable
{
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

    [SkippableFact(Timeout = 300_000)]
    public async Task Three_daemons_share_the_jobs_and_a_SIGKILLed_one_s_jobs_are_taken_over_each_launched_once()
    {
        var url = NewDatabase();
        var launcher = Workstation("lease-run");
        var daemons = Enumerable.Range(1, 3).Select(i => StartDaemon(Workstation($"lease-d{i}"), url)).ToList();
        var proxies = Enumerable.Range(0, 4).Select(_ => FaultProxy.Start(host.Sshd.Port)).ToList(); // four "hosts", one port each
        try
        {
            await Poll.UntilAsync(() => Scalar(url, "SELECT count(*) FROM daemons") == 3, Step, "three daemons registered");
            var jobs = new List<LeasedJob>();
            for (var i = 0; i < 12; i++)
            {
                var restart = i == 0;
                var job = NewJob("lse", restart ? 1 : i % 4);
                jobs.Add(job);
                var options = restart ? ["--detach", "--restart", "on-failure", "--max-restarts", "1", "--restart-delay", "200ms"] : new[] { "--detach" };
                var run = await launcher.RunAsync(host.RunArguments(job.Id, job.Command, options, proxies[i % proxies.Count]), Journal(url));
                Assert.True(run.ExitCode == 0, $"run --detach: {run}");
            }

            var spread = await Poll.ObjectAsync(
                () => Owners(url) is var o && o.Count == jobs.Count && o.Values.Select(v => v.Owner).Distinct().Count() == 3 ? o : null,
                Step,
                "every job leased, to all three daemons");
            output.WriteLine("shares: " + string.Join(", ", spread.Values.GroupBy(v => v.Owner).Select(g => $"{g.Key} {g.Count()}")));
            await Poll.UntilAsync(() => jobs.All(j => MirrorLength(j.Id) > 0), Step, "every job streaming into its mirror");

            // SIGKILL the daemon with the restart job, mid-stream.
            var victimId = spread[jobs[0].Id].Owner;
            var victim = daemons.Single(d => victimId.Contains($"/{d.Pid}/", StringComparison.Ordinal));
            var taken = spread.Where(kv => kv.Value.Owner == victimId).Select(kv => kv.Key).ToList();
            victim.Signal(PosixSignals.SIGKILL);
            await victim.WaitForExitAsync().WaitAsync(Step);
            output.WriteLine($"SIGKILLed {victimId} holding {taken.Count}: {string.Join(" ", taken)}");

            var after = await Poll.ObjectAsync(
                () => Owners(url) is var o && taken.All(id => o.TryGetValue(id, out var l) && l.Owner != victimId && l.Token >= 2) ? o : null,
                Step,
                $"{victimId}'s jobs taken over");
            var sizes = taken.ToDictionary(id => id, MirrorLength);
            await Poll.UntilAsync(() => taken.All(id => MirrorLength(id) > sizes[id]), Step, "the jobs taken over streaming again");
            output.WriteLine("taken over by: " + string.Join(", ", taken.Select(id => $"{id} {after[id].Owner} token {after[id].Token}")));

            foreach (var job in jobs)
            {
                await File.WriteAllTextAsync(job.StopFile, "");
            }

            var restarted = jobs[0].Id + "-r2";
            var finished = await WaitForJournalAsync(launcher, url, j => j.Count == jobs.Count + 1 && j.All(e => e.Phase == "finished"), "every job and the restart finished");
            foreach (var survivor in daemons.Where(d => d != victim))
            {
                survivor.Signal(PosixSignals.SIGTERM);
                var stopped = await survivor.WaitForResultAsync(Step);
                Assert.True(stopped.ExitCode == 0, stopped.ToString());
            }

            foreach (var job in jobs)
            {
                AssertComplete(job, finished, job == jobs[0] ? 2 : 1);
            }

            var again = finished.Single(e => e.Id == restarted);
            Assert.Equal(("exited", (int?)1, 2), (again.State, again.ExitCode, again.Attempt));
            Assert.Equal(SupervisionHost.Sha256(File.ReadAllBytes(host.RemoteLog(restarted))), SupervisionHost.Sha256(ReadMirror(restarted)));
        }
        finally
        {
            foreach (var proxy in proxies)
            {
                await proxy.DisposeAsync();
            }

            foreach (var daemon in daemons)
            {
                await daemon.DisposeAsync();
            }
        }
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
            $"the cut daemon to stop acting on {string.Join(" ", theirs)}\n{cut.StderrText}");
        var after = await Poll.ObjectAsync(
            () => Owners(url) is var o && theirs.All(id => o[id].Owner != cutId && o[id].Token > spread[id].Token) ? o : null,
            Step,
            "the other daemon to take them over");
        var sizes = theirs.ToDictionary(id => id, MirrorLength);
        await Poll.UntilAsync(() => theirs.All(id => MirrorLength(id) > sizes[id]), Step, "the jobs taken over streaming again");

        // The link comes back: the cut daemon renews again, holds nothing, claims nothing (the other holds every lease).
        var mark = cut.StderrText.Length;
        link.ResetAll();
        link.Resume();
        await Poll.UntilAsync(() => cut.StderrText[mark..].Contains("leases renewed again", StringComparison.Ordinal), Step, $"the cut daemon to renew again\n{cut.StderrText}");
        foreach (var job in jobs)
        {
            await File.WriteAllTextAsync(job.StopFile, "");
        }

        var finished = await WaitForJournalAsync(launcher, url, j => j.Count == jobs.Count && j.All(e => e.Phase == "finished"), "every job finished");
        var owners = Owners(url);
        output.WriteLine($"cut {cutId} held {string.Join(" ", theirs)}; after the link returned: {string.Join(", ", theirs.Select(id => $"{id} {owners[id].Owner} token {owners[id].Token}"))}");
        Assert.All(theirs, id => Assert.Equal((after[id].Owner, after[id].Token), owners[id]));
        var late = cut.StderrText[mark..];
        Assert.All(theirs, id => Assert.DoesNotContain($"job {id} on", late, StringComparison.Ordinal)); // neither supervised nor finished there again
        foreach (var job in jobs)
        {
            AssertComplete(job, finished, 1);
        }

        other.Signal(PosixSignals.SIGTERM);
        Assert.Equal(0, (await other.WaitForResultAsync(Step)).ExitCode);
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

    private void AssertComplete(LeasedJob job, IReadOnlyList<JournalEntry> journal, int starts)
    {
        var remote = File.ReadAllBytes(host.RemoteLog(job.Id));
        var mirror = ReadMirror(job.Id);
        var lines = SequenceJob.Analyze(mirror);
        var entry = journal.Single(e => e.Id == job.Id);
        var counted = File.ReadAllLines(job.Counter).Length;
        output.WriteLine($"{job.Id}: remote {remote.Length} B, mirror {mirror.Length} B, {lines.Lines} lines, journal {entry.State} {entry.ExitCode}, started {counted} time(s)");
        Assert.Equal(SupervisionHost.Sha256(remote), SupervisionHost.Sha256(mirror));
        Assert.True(lines.IsPerfect, lines.ToString());
        Assert.Equal(("exited", (int?)job.ExitCode), (entry.State, entry.ExitCode));
        Assert.Equal(starts, counted);
    }
}
