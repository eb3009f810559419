using System.Text;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The resident launcher's request line as the CLI sends it through the daemon's broker (a Launch
/// frame): made from the request without its payload, it is the line the daemon took from the
/// payload before, and the daemon rebuilds from it, byte for byte, the payload the CLI would have sent.
/// </summary>
public sealed class ResidentLaunchTests
{
    public static TheoryData<string> Requests => ["plain", "everything", "raw bytes", "spool"];

    [Theory]
    [MemberData(nameof(Requests))]
    public void A_line_made_from_a_request_is_the_one_read_from_its_payload_and_stands_for_that_payload(string which)
    {
        var request = Request(which);
        var payload = request.ToRunnerRequest().ToPayload();

        var line = ResidentLaunch.Of(request)!;
        Assert.Equal(ResidentLaunch.From(payload)!.Line, line.Line);
        Assert.Equal(request.Id.Value, line.Id);

        var parsed = ResidentLaunch.Parse(line.Line)!;
        Assert.Equal(line.Line, parsed.Line);
        Assert.Equal(payload, parsed.ToPayload());
        Assert.Equal(payload, line.ToPayload());
    }

    [Fact]
    public void A_launch_with_a_fault_hook_has_no_line()
    {
        Assert.Null(ResidentLaunch.Of(Request("plain") with { Fault = "remote-after-mkdir" }));
    }

    [Fact]
    public void Anything_but_a_well_formed_line_is_refused()
    {
        var line = Encoding.ASCII.GetString(ResidentLaunch.Of(Request("everything"))!.Line);
        Assert.NotNull(ResidentLaunch.Parse(Encoding.ASCII.GetBytes(line)));

        string[] bad =
        [
            line.TrimEnd('\n'),                                  // no newline
            line.Replace("launch ", "status ", StringComparison.Ordinal),
            line.Replace(" x", " y", StringComparison.Ordinal),
            line.TrimEnd('\n') + " x\n",                          // a field too many
            line[..line.LastIndexOf(' ')] + "\n",                 // a field too few
            line.Replace(" x", " xA", StringComparison.Ordinal), // upper case hex
            line.Replace(" x", " x0", StringComparison.Ordinal), // an odd number of digits
            "launch ../etc x x x x x x x x\n",                    // not a job id
            "",
        ];
        foreach (var text in bad)
        {
            Assert.Null(ResidentLaunch.Parse(Encoding.ASCII.GetBytes(text)));
        }
    }

    [Fact]
    public void A_reply_is_whole_once_its_launched_and_status_lines_are_read()
    {
        string[] both = ["@@SK2 launched id=a fresh=1", "@@SK2 status id=a state=running pid=9"];
        Assert.Equal(ResidentLaunch.Reply(both, ResidentLaunch.Launched), ResidentLaunch.Whole(both));
        Assert.Equal("\n@@SK2 launched id=a fresh=1\n@@SK2 status id=a state=running pid=9\n@@SK2 end\n", Encoding.UTF8.GetString(ResidentLaunch.Whole(both)!));
        Assert.Null(ResidentLaunch.Whole(both[..1]));
        Assert.Null(ResidentLaunch.Whole([both[1], both[0]]));
        Assert.Null(ResidentLaunch.Whole([.. both, "@@SK2 status id=b state=running"]));
    }

    private static LaunchRequest Request(string which)
    {
        var id = JobId.New();
        var cookie = JobCookie.New();
        return which switch
        {
            "plain" => new LaunchRequest(id, cookie, new JobSpec("true")),
            "everything" => new LaunchRequest(id, cookie, new JobSpec(
                "printf '%s\\n' \"it's\"\nexit 3",
                "/tmp/a dir",
                [new("A", "1 2"), new("B", "it's")],
                "/bin/bash",
                TimeSpan.FromSeconds(1.5),
                TimeSpan.FromMilliseconds(300))),
            "raw bytes" => new LaunchRequest(id, cookie, new JobSpec("x").WithCommand([0x65, 0x63, 0x68, 0x6f, 0x20, 0xff, 0xfe])),
            _ => new LaunchRequest(id, cookie, new JobSpec("cat")) { SpoolStdin = true },
        };
    }
}
