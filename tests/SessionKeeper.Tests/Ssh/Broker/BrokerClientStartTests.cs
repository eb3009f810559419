using System.Net.Sockets;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh.Broker;
using SessionKeeper.Ssh.Prompts;
using SessionKeeper.Tests.Ssh.HostKeys;

namespace SessionKeeper.Tests.Ssh.Broker;

/// <summary>
/// A run -d handed to the daemon (<see cref="BrokerClient.StartJob"/>: blocking calls on the CLI's
/// thread) against a daemon played by the test on a real Unix socket: silence before the welcome
/// falls back as a daemon that is not there, an interrupt wakes the wait at once, before the welcome
/// or after it, and an answer is taken as given.
/// </summary>
public sealed class BrokerClientStartTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _path;
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly List<string> _notes = [];

    public BrokerClientStartTests()
    {
        _path = _dir.File("broker.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _listener.Listen(4);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_daemon_silent_before_its_welcome_is_not_used_and_the_journal_decides()
    {
        var daemon = PlayDaemonAsync(welcome: false);

        var (start, refused) = await Task.Run(() => Start(CancellationToken.None));

        Assert.Equal((DelegatedOutcome.Unsettled, true), (start.Outcome, refused));
        Assert.Contains(_notes, n => n.Contains($"no answer on {_path} within 2 s", StringComparison.Ordinal));
        Assert.Equal([BrokerFrameType.Hello, BrokerFrameType.Start], (await daemon).Received);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_interrupt_wakes_the_wait_for_the_daemon_at_once(bool welcomed)
    {
        using var interrupt = new CancellationTokenSource();
        var daemon = PlayDaemonAsync(welcome: welcomed);
        var starting = Task.Run(() => Start(interrupt.Token));

        // The daemon has both frames and, welcomed, the CLI's answer to a question asked after the
        // welcome (so the CLI is past it): the CLI is waiting on the daemon.
        var played = await daemon;
        await interrupt.CancelAsync();

        // Without the wake-up, the wait before the welcome would end only at the 2 s deadline, as a
        // fallback, and the one after it never: the daemon here never answers the launch.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => starting);
        Assert.Equal([BrokerFrameType.Hello, BrokerFrameType.Start], played.Received);
        Assert.DoesNotContain(_notes, n => n.Contains("no answer", StringComparison.Ordinal));
        played.Peer.Dispose();
    }

    [Fact(Timeout = 30_000)]
    public async Task The_daemons_reply_to_the_start_is_taken_as_given()
    {
        var daemon = PlayDaemonAsync(welcome: true);
        var starting = Task.Run(() => Start(CancellationToken.None));
        using var peer = (await daemon).Peer;

        var reply = "@@SK2 launched id=x\n"u8.ToArray();
        peer.Send(new BrokerFrame(BrokerFrameType.Started, 1, reply).Encode());
        var (start, refused) = await starting;

        Assert.Equal((DelegatedOutcome.Launched, false), (start.Outcome, refused));
        Assert.Equal(reply, start.Reply);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _dir.Dispose();
    }

    private (DelegatedStart Start, bool Refused) Start(CancellationToken cancellationToken)
    {
        var endpoint = new JobEndpoint("u", "h", 22, [], [], TimeSpan.FromSeconds(5));
        var draft = JobPlanner.Draft(JobId.New(), endpoint, new JobSpec("true"), RestartPolicy.None, _dir.Path, DateTimeOffset.UtcNow);
        return BrokerClient.StartJob(
            _path, new StartRequest(Path.Combine(_dir.Path, "journal.db"), draft, CanPrompt: false), NoUserInteraction.Instance,
            note: n => { lock (_notes) { _notes.Add(n); } },
            warn: w => throw new InvalidOperationException($"unexpected warning: {w}"),
            cancellationToken);
    }

    /// <summary>
    /// Accepts one CLI, reads its hello and its start, and says nothing, or welcomes it and asks it a
    /// question, then reads its answer (declined: nobody to ask); the peer stays open.
    /// </summary>
    private async Task<(Socket Peer, List<BrokerFrameType> Received)> PlayDaemonAsync(bool welcome)
    {
        var peer = await _listener.AcceptAsync();
        var stream = new NetworkStream(peer, ownsSocket: false);
        var received = new List<BrokerFrameType>();
        for (var i = 0; i < 2; i++)
        {
            received.Add((await BrokerFrame.ReadAsync(stream, CancellationToken.None))!.Value.Type);
        }

        if (welcome)
        {
            peer.Send(new BrokerFrame(BrokerFrameType.Welcome, 0, new BodyWriter().String(BrokerFrame.Build).ToArray()).Encode());
            peer.Send(new BrokerFrame(BrokerFrameType.Prompt, 1, new BodyWriter().Byte((byte)BrokerPromptKind.Line).String("Continue? ").ToArray()).Encode());
            var answer = (await BrokerFrame.ReadAsync(stream, CancellationToken.None))!.Value;
            Assert.Equal((BrokerFrameType.Answer, 1u), (answer.Type, answer.Id));
            Assert.Equal([0], answer.Body);
        }

        return (peer, received);
    }
}
