using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;
using SessionKeeper.IntegrationTests.Infrastructure;
using SessionKeeper.Ssh;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// Issue 11's proof for the two streams: 200 jobs (seeded) write random binary chunks to stdout
/// and stderr in random order while their links are cut ten times by each kind of fault (proxy
/// reset, proxy black hole, SIGKILL and SIGSTOP of a per-connection sshd). Each job's stdout and
/// stderr, as delivered by the keeper, its local mirror and the target's files, equal what the job
/// wrote, stream by stream (SHA-256), and its exit code comes back. The last jobs wait for a gate
/// before they end, so every cut has live streams to hit; the gate opens after the fortieth.
/// </summary>
[Collection(StreamingTests.Name)]
public sealed class TwoStreamChaosTests(StreamHost host, ITestOutputHelper output) : IClassFixture<StreamHost>
{
    private const int Jobs = 200;
    private const int Parallel = 16;
    private const int CutsPerKind = 10;
    private const int Gated = 10;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 600_000)]
    public async Task Two_hundred_random_jobs_keep_stdout_and_stderr_exact_through_forty_cuts()
    {
        var random = TestSeed.Replayable("SK_CHAOS_SEED", output);
        var work = Directory.CreateDirectory(Path.Combine(host.Sshd.TempDir, $"two-streams-{Guid.NewGuid():N}")).FullName;
        var gateFile = Path.Combine(work, "gate");
        var plans = Enumerable.Range(0, Jobs).Select(k => JobPlan.Create(k, random, work, k >= Jobs - Gated ? gateFile : null)).ToList();
        var schedule = Enum.GetValues<Cut>().SelectMany(k => Enumerable.Repeat(k, CutsPerKind)).OrderBy(_ => random.Next()).ToList();

        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var config = Path.Combine(work, "config");
        await File.WriteAllTextAsync(config, host.Sshd.HostBlockVia("chaos", proxy, "  GlobalKnownHostsFile /dev/null\n  ConnectTimeout 5\n"));
        var drops = new DropCounter();
        var keeper = JobKeeper.Open(new JobKeeperOptions { Transport = SshTransport.Default, StateDirectory = Path.Combine(work, "state"), Observer = drops });
        var target = SshTarget.Resolve("chaos", config);
        var options = new AttachOptions
        {
            Heartbeat = TimeSpan.FromMilliseconds(200),
            DeadAfter = TimeSpan.FromSeconds(1),
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(300),
            ChunkBytes = 256 * 1024,

            // A cut during a launch's connection is retried too (without a budget the first failure is final, as for ssh).
            GiveUpAfter = TimeSpan.FromMinutes(5),
        };

        using var gate = new SemaphoreSlim(Parallel);
        var results = new ConcurrentDictionary<int, (JobResult Result, byte[] Stdout, byte[] Stderr)>();
        var jobs = plans.Select(async plan =>
        {
            await gate.WaitAsync();
            try
            {
                using var stdout = new MemoryStream();
                using var stderr = new MemoryStream();
                var request = new JobRequest(new JobSpec(plan.Command, Shell: "/bin/sh")) { Id = JobId.Parse(plan.Id) };
                var result = await keeper.RunAsync(target, request, new JobStreams(stdout, stderr), options);
                results[plan.Index] = (result, stdout.ToArray(), stderr.ToArray());
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        var all = Task.WhenAll(jobs);

        // The cuts, while jobs stream: each waits for a live connection to cut (the gated jobs keep
        // some), and for the keeper to notice it before the next one.
        var victims = new HashSet<int>();
        var done = new Dictionary<Cut, int>();
        foreach (var cut in schedule)
        {
            while (true)
            {
                Assert.False(all.IsCompleted, $"the jobs ended before the cuts: {all.Exception}");

                // The random pause IS the scenario: it places the cut at a random moment of the streams.
                await Task.Delay(random.Next(0, 300));
                var before = drops.Count;
                var victim = cut is Cut.SshdKill or Cut.SshdStop ? host.NewestSession(victims) : null;
                var hit = cut switch
                {
                    Cut.ProxyReset => proxy.ResetAll() > 0,
                    Cut.ProxyBlackHole => proxy.ActiveConnections > 0 && Do(proxy.BlackHole),
                    Cut.SshdKill => victim is not null && Signal(victims, victim, PosixSignals.SIGKILL),
                    Cut.SshdStop => victim is not null && Signal(victims, victim, PosixSignals.SIGSTOP),
                    _ => false,
                };
                if (!hit)
                {
                    continue;
                }

                // Every phase of a job's link has a deadline well under Step (dead-after, the helper's
                // start, the launch's reply, the connect timeout). A cut nobody noticed within it hit
                // a connection no job used any more (a session a loaded sshd had not ended yet): it
                // is undone and tried again, not counted. A link a job still used and never noticed
                // would leave that job hanging, which the wait for all jobs below fails on.
                var noticed = await NoticedAsync(() => drops.Count > before);
                if (cut == Cut.ProxyBlackHole)
                {
                    proxy.ResetAll();
                    proxy.Resume();
                }
                else if (cut == Cut.SshdStop)
                {
                    SshdFixture.Signal(victim!.Pid, random.Next(2) == 0 ? PosixSignals.SIGCONT : PosixSignals.SIGKILL);
                }

                if (!noticed)
                {
                    continue;
                }

                done[cut] = done.GetValueOrDefault(cut) + 1;
                break;
            }
        }

        await File.WriteAllTextAsync(gateFile, "");
        await all.WaitAsync(TimeSpan.FromSeconds(400));

        output.WriteLine($"cuts: {string.Join(", ", done.Select(d => $"{d.Key} {d.Value}"))}; {drops.Count} drops noticed; {proxy.TotalConnections} connections");
        output.WriteLine($"bytes: stdout {plans.Sum(p => p.Stdout.Length)}, stderr {plans.Sum(p => p.Stderr.Length)} in {plans.Sum(p => p.Chunks)} chunks");
        foreach (var plan in plans)
        {
            var (result, stdout, stderr) = results[plan.Index];
            var label = $"job {plan.Index} ({plan.Id})";
            Assert.True(result.ExitCode == plan.ExitCode, $"{label}: {result.Status.Describe()}");
            Assert.True(StreamHost.Sha256(plan.Stdout) == StreamHost.Sha256(stdout), $"{label}: stdout differs ({stdout.Length} of {plan.Stdout.Length} bytes)");
            Assert.True(StreamHost.Sha256(plan.Stderr) == StreamHost.Sha256(stderr), $"{label}: stderr differs ({stderr.Length} of {plan.Stderr.Length} bytes)");
            Assert.Equal(StreamHost.Sha256(plan.Stdout), StreamHost.Sha256File(Path.Combine(host.JobDir(plan.Id), "out")));
            Assert.Equal(StreamHost.Sha256(plan.Stderr), StreamHost.Sha256File(Path.Combine(host.JobDir(plan.Id), "err")));
            var mirror = result.Job.MirrorPath!;
            Assert.Equal(StreamHost.Sha256(plan.Stdout), Sha256OrEmpty(LogMirror.FileOf(mirror, OutputKind.Stdout)));
            Assert.Equal(StreamHost.Sha256(plan.Stderr), Sha256OrEmpty(LogMirror.FileOf(mirror, OutputKind.Stderr)));
        }

        Assert.All(Enum.GetValues<Cut>(), kind => Assert.True(done.GetValueOrDefault(kind) == CutsPerKind, $"{kind}: {done.GetValueOrDefault(kind)} of {CutsPerKind} cuts hit a live connection before the jobs ended"));
    }

    private static async Task<bool> NoticedAsync(Func<bool> noticed)
    {
        try
        {
            await Poll.UntilAsync(noticed, Step, "the keeper to notice the cut");
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static bool Do(Action action)
    {
        action();
        return true;
    }

    private static bool Signal(HashSet<int> victims, SshdConnectionProcess session, int signal)
    {
        victims.Add(session.Pid);
        SshdFixture.Signal(session.Pid, signal);
        return true;
    }

    private static string Sha256OrEmpty(string path) => File.Exists(path) ? StreamHost.Sha256File(path) : StreamHost.Sha256([]);

    /// <summary>One job: chunk files it copies to stdout or stderr in a random order, with pauses, then a random exit code.</summary>
    private sealed record JobPlan(int Index, string Id, string Command, byte[] Stdout, byte[] Stderr, int Chunks, int ExitCode)
    {
        public static JobPlan Create(int index, Random random, string work, string? gate)
        {
            var dir = Directory.CreateDirectory(Path.Combine(work, index.ToString(CultureInfo.InvariantCulture))).FullName;
            var command = new StringBuilder();
            using var stdout = new MemoryStream();
            using var stderr = new MemoryStream();
            var chunks = random.Next(1, 9);
            for (var c = 0; c < chunks; c++)
            {
                // Mostly small chunks, now and then one larger than a frame window.
                var bytes = new byte[random.Next(10) == 0 ? random.Next(64 * 1024, 400 * 1024) : random.Next(0, 8 * 1024)];
                random.NextBytes(bytes);
                var file = Path.Combine(dir, c.ToString(CultureInfo.InvariantCulture));
                File.WriteAllBytes(file, bytes);
                var toStderr = random.Next(2) == 1;
                (toStderr ? stderr : stdout).Write(bytes);
                command.Append(CultureInfo.InvariantCulture, $"cat '{file}'{(toStderr ? " >&2" : "")}; ");
                if (random.Next(3) == 0)
                {
                    command.Append(CultureInfo.InvariantCulture, $"sleep 0.{random.Next(1, 4)}; ");
                }
            }

            if (gate is not null)
            {
                command.Append(CultureInfo.InvariantCulture, $"while [ ! -e '{gate}' ]; do sleep 0.1; done; ");
            }

            var exitCode = random.Next(0, 8);
            command.Append(CultureInfo.InvariantCulture, $"exit {exitCode}");
            return new JobPlan(index, StreamHost.NewJobId("two"), command.ToString(), stdout.ToArray(), stderr.ToArray(), chunks, exitCode);
        }
    }

    /// <summary>
    /// Counts the drops the keeper noticed, across every job: a stream lost, a reconnection or a
    /// launch's connection that failed (a cut can find a job between its stream and its next one).
    /// </summary>
    private sealed class DropCounter : ISupervisionObserver, IAttachObserver
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public IAttachObserver ForStream(JournalJob job) => this;

        public void Disconnected(long offset, string reason) => Interlocked.Increment(ref _count);

        public void Retrying(int attempt, TimeSpan delay, string reason) => Interlocked.Increment(ref _count);

        public void Reconnected(TimeSpan gap, long offset)
        {
        }

        public void Launched(JournalJob job, JobStatus status)
        {
        }

        public void Restarting(JournalJob finished, JobStatus status, int nextAttempt, TimeSpan delay)
        {
        }

        public void LaunchRetry(JournalJob job, string reason) => Interlocked.Increment(ref _count);

        public void Warning(JournalJob job, string warning)
        {
        }
    }
}
