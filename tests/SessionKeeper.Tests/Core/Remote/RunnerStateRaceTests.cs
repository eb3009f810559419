using System.Text;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The runner derives a job's state from files the wrapper writes at any moment. A job that ends
/// while a launch waits for it (a fast `exit 3`) puts its exit record in place between the
/// runner's first read of it and its "does the file exist" test: that is an exit, not corruption.
/// </summary>
public sealed class RunnerStateRaceTests : IDisposable
{
    private readonly TempDir _state = new();

    public void Dispose() => _state.Dispose();

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task An_exit_record_appearing_between_two_looks_is_read_not_called_corrupt(string shell)
    {
        var id = JobId.New();
        Directory.CreateDirectory(_state.JobDir(id.Value));

        // The first look finds nothing; the wrapper's mv lands just after it, as in the race.
        // sk_lazy first: the runner's own sk_exit_record is sent as text, defined when first needed,
        // and would replace this one then.
        const string race = """
            sk_lazy
            sk_exit_record() {
                if [ ! -e "$SK_DIR/looked" ]; then
                    : >"$SK_DIR/looked"
                    printf 'v1 exited 3 0 0 1795000000\n' >"$SK_DIR/exit"
                    return 1
                fi
                SK_EXIT="state=exited code=3 signal=0 timedout=0 ended=1795000000"
            }

            """;
        var payload = Encoding.UTF8.GetString(new RunnerRequest("status").Set("SK_ID", id.Value).ToPayload());
        var at = payload.LastIndexOf("sk_main\n", StringComparison.Ordinal);
        var output = await Shells.Session(shell, _state.Path).ExecAsync(Encoding.UTF8.GetBytes(payload.Insert(at, race)));

        var status = StatusParser.Parse(ReplyParser.Parse(output, "local").Single(l => l.Tag == "status"), "local");
        Assert.Equal((JobState.Exited, 3, (string?)null), (status.State, status.ExitCode, status.LostReason));
    }
}
