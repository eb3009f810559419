using SessionKeeper.Core.Failures;
using SessionKeeper.Ssh.Broker;

namespace SessionKeeper.Tests.Ssh.Broker;

/// <summary>The broker socket's framing: what one side writes, the other reads back exactly; a malformed frame is an error, never a guess.</summary>
public sealed class BrokerFrameTests
{
    [Fact(Timeout = 10_000)]
    public async Task Frames_read_back_as_written_one_after_another()
    {
        var payload = new BodyWriter().String("target ✓").Byte(1).Bytes(new byte[] { 0, 255, 10 }).ToArray();
        using var stream = new MemoryStream();
        stream.Write(new BrokerFrame(BrokerFrameType.Open, 7, payload).Encode());
        stream.Write(new BrokerFrame(BrokerFrameType.Eof, uint.MaxValue, []).Encode());
        stream.Position = 0;

        var first = await BrokerFrame.ReadAsync(stream, CancellationToken.None);
        var second = await BrokerFrame.ReadAsync(stream, CancellationToken.None);
        var end = await BrokerFrame.ReadAsync(stream, CancellationToken.None);

        Assert.Equal((BrokerFrameType.Open, 7u), (first!.Value.Type, first.Value.Id));
        var body = new BodyReader(first.Value.Body);
        Assert.Equal("target ✓", body.String());
        Assert.Equal(1, body.Byte());
        Assert.Equal(new byte[] { 0, 255, 10 }, body.Bytes());
        Assert.Equal((BrokerFrameType.Eof, uint.MaxValue, 0), (second!.Value.Type, second.Value.Id, second.Value.Body.Length));
        Assert.Null(end);
    }

    [Fact]
    public void A_failure_crosses_the_socket_with_its_kind_message_and_host()
    {
        var sent = new SessionKeeperException(FailureKind.HostKeyRefused, "HOST KEY CHANGED for [127.0.0.1]:2222 (SHA256:abc).") { Host = "u@h:2222" };

        var received = new BrokerFrame(BrokerFrameType.Error, 3, BrokerFrame.Failure(sent)).ToFailure();

        Assert.Equal((sent.Kind, sent.Message, sent.Host), (received.Kind, received.Message, received.Host));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_frame_cut_short_or_too_long_is_an_error()
    {
        var whole = new BrokerFrame(BrokerFrameType.Data, 1, new byte[100]).Encode();
        using var cut = new MemoryStream(whole[..50]);
        await Assert.ThrowsAnyAsync<IOException>(() => BrokerFrame.ReadAsync(cut, CancellationToken.None));

        var huge = (byte[])whole.Clone();
        huge[0] = 0x7F; // a length far above the limit
        using var tooLong = new MemoryStream(huge);
        var error = await Assert.ThrowsAsync<IOException>(() => BrokerFrame.ReadAsync(tooLong, CancellationToken.None));
        Assert.Contains("malformed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_shorter_than_its_fields_is_refused()
    {
        var body = new BodyWriter().String("abcdef").ToArray();

        Assert.Throws<IOException>(() => new BodyReader(body[..5]).String());
    }
}
