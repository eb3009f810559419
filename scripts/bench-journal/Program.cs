using System.Diagnostics;
using System.Globalization;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Supervision;

// scripts/bench-journal.sh's driver, on the state directory SESSIONKEEPER_STATE_DIR names, as the
// CLI's. `launch JOURNAL JOBS` journals JOBS intents the way a detached batch does (AddIntents,
// one transaction per 500). `daemon JOURNAL CAPACITY` does
// one daemon's journal work until no unfinished job is left: LeaseKeeper.Tick (heartbeat, renew,
// claim, hand back) and the poll (Unfinished) each round, and for each job it holds what the
// supervisor writes for a short job: ConfirmLease before the launch, RecordStatus running
// (unsettled), one RecordCommitted, RecordStatus exited (settled). Every write is fenced by the
// lease token, as in the daemon. Prints one line: jobs ops wall_ms cpu_ms start_ms end_ms.
var (verb, journalUrl) = (args[0], args[1]);
var state = Environment.GetEnvironmentVariable("SESSIONKEEPER_STATE_DIR") is { Length: > 0 } named ? named : throw new InvalidOperationException("SESSIONKEEPER_STATE_DIR is not set.");
var journal = JobJournal.Open(state, journalUrl == "sqlite" ? JobJournal.Embedded : journalUrl);
var cpu = Process.GetCurrentProcess().TotalProcessorTime;
var clock = Stopwatch.StartNew();
var startMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
long ops = 0, jobs = 0;
if (verb == "launch")
{
    var count = int.Parse(args[2], CultureInfo.InvariantCulture);
    for (var from = 0; from < count; from += 500)
    {
        journal.AddIntents([.. Enumerable.Range(from, Math.Min(500, count - from)).Select(i => new JournalJob
        {
            Id = JobId.Parse($"bench-{i:00000}"),
            Endpoint = new JobEndpoint("deploy", $"h{i % 20}", 22, [], [], TimeSpan.FromSeconds(5)),
            Cookie = JobCookie.New(),
            Spec = new JobSpec("true"),
            CreatedAt = DateTimeOffset.UtcNow,
            Phase = JournalPhase.Intent,
            BatchId = "bench",
        })]);
        ops++;
    }

    jobs = count;
}
else
{
    var capacity = int.Parse(args[2], CultureInfo.InvariantCulture);
    var keeper = new LeaseKeeper(journal, LeaseKeeper.NewDaemonId(), new LeaseOptions(LeaseOptions.DefaultLease), capacity);
    journal.Fence = keeper.Fence;
    var done = new HashSet<JobId>();
    while (true)
    {
        keeper.Tick();
        ops += 4;
        var unfinished = journal.Unfinished();
        ops++;
        if (unfinished.Count == 0)
        {
            break;
        }

        foreach (var lease in keeper.Fence.Held)
        {
            if (!done.Add(lease.Id))
            {
                continue;
            }

            var at = DateTimeOffset.UtcNow;
            journal.ConfirmLease(lease.Id);
            journal.RecordStatus(lease.Id, new JobStatus { Id = lease.Id, State = JobState.Running, Pid = 4242 }, at, settled: false);
            journal.RecordCommitted(lease.Id, 100);
            journal.RecordStatus(lease.Id, new JobStatus { Id = lease.Id, State = JobState.Exited, ExitCode = 0, Pid = 4242 }, at, committedLength: 200);
            ops += 4;
            jobs++;
        }
    }

    keeper.Release();
    ops++;
}

var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{jobs} {ops} {clock.ElapsedMilliseconds} {used.TotalMilliseconds:0} {startMs} {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}"));
