using System.Net.Sockets;
using Renci.SshNet.Common;
using SessionKeeper.Core.Failures;
using SessionKeeper.Ssh;

namespace SessionKeeper.Tests.Ssh.Connect;

/// <summary>
/// A socket error while connecting means the host could not be reached; the same error on a
/// session that is already connected (a reset or broken pipe in the middle of a launch request)
/// is a lost link, which the launch retries with the same id and cookie.
/// </summary>
public class SshFailuresTests
{
    public static TheoryData<Exception> LinkErrors() =>
    [
        new SocketException((int)SocketError.Shutdown),
        new SocketException((int)SocketError.ConnectionReset),
        new SocketException((int)SocketError.ConnectionRefused),
        new SocketException((int)SocketError.TimedOut),
        new IOException("Broken pipe", new SocketException((int)SocketError.Shutdown)),
        new SshConnectionException("An established connection was aborted by the server."),
        new SshOperationTimeoutException("Session operation has timed out"),
        new SshException("Channel was closed."),
        new ObjectDisposedException("Socket"),
    ];

    [Theory]
    [MemberData(nameof(LinkErrors))]
    public void An_error_on_an_established_session_is_a_lost_connection_never_cannot_connect(Exception error)
    {
        var failure = SshFailures.Established(error, "u@h");

        Assert.Equal(FailureKind.ConnectionLost, failure.Kind);
        Assert.True(failure.IsRetryable);
        Assert.DoesNotContain("cannot connect", failure.Message, StringComparison.Ordinal);
        Assert.StartsWith("the connection to u@h was lost", failure.Message, StringComparison.Ordinal);
        Assert.Same(error, failure.InnerException);
    }

    [Theory]
    [MemberData(nameof(LinkErrors))]
    public void A_command_failing_before_the_session_knows_it_is_lost_is_a_lost_connection(Exception error)
    {
        // A reset mid-request: the writer's broken pipe arrives before SSH.NET's error event.
        var failure = SshRemoteSession.Failure(error, interrupted: false, lost: false, "u@h");

        Assert.Equal(FailureKind.ConnectionLost, failure.Kind);
        Assert.DoesNotContain("cannot connect", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_socket_error_while_connecting_is_still_unreachable()
    {
        var failure = SshFailures.Classify(new SocketException((int)SocketError.ConnectionRefused), "u@h");

        Assert.Equal(FailureKind.Unreachable, failure.Kind);
        Assert.StartsWith("cannot connect to u@h: connection refused", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Our_own_failures_pass_through_unchanged()
    {
        var known = new SessionKeeperException(FailureKind.JobNotFound, "no job x.");

        Assert.Same(known, SshFailures.Established(known, "u@h"));
    }
}
