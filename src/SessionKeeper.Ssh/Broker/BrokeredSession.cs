using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh.Broker;

/// <summary>
/// A session on a connection the daemon holds. Its channels run the same constant command with
/// the same payload as <see cref="SshRemoteSession"/>'s, and fail with the same kinds and words:
/// an interruption by the caller, a lost link (the connection's, or the daemon's socket's), or
/// the failure the daemon met, as it was thrown there. A channel the daemon has no room for
/// (<see cref="BrokerFrameType.Busy"/>) runs over a connection of this process's own
/// (<see cref="DirectOverflow"/>), so nothing ever waits on the daemon's capacity.
/// </summary>
internal sealed class BrokeredSession : IRemoteSession, ILaunchSession, IBrokerEndpoint
{
    private readonly CancellationTokenSource _lost = new();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly BrokerClient _client;
    private readonly uint _id;
    private readonly string _label;
    private readonly IUserInteraction _interaction;
    private readonly DirectOverflow _overflow;
    private readonly Action<string> _note;
    private int _released;
    private int _noted;

    /// <param name="client">The daemon's socket.</param>
    /// <param name="id">The session's id on it.</param>
    /// <param name="label">The target, as messages name it.</param>
    /// <param name="interaction">Who answers the daemon's relayed questions.</param>
    /// <param name="direct">The direct connection to the same target, for channels the daemon has no room for.</param>
    /// <param name="note">Where -v notes go.</param>
    public BrokeredSession(BrokerClient client, uint id, string label, IUserInteraction interaction, IRemoteConnector direct, Action<string> note)
    {
        _client = client;
        _id = id;
        _label = label;
        _interaction = interaction;
        _note = note;
        _overflow = new DirectOverflow(direct, MarkLost);
    }

    public string HostLabel => _label;

    public CancellationToken Lost => _lost.Token;

    public bool CanSendToStreams => true;

    public BrokerClient Client => _client;

    /// <summary>Binds this session to a connection of the daemon's to the target in <paramref name="targetJson"/>.</summary>
    public async Task ConnectAsync(string targetJson, CancellationToken cancellationToken)
    {
        _client.Register(_id, this);
        var body = new BodyWriter().String(targetJson).Byte(_interaction.CanPrompt ? (byte)1 : (byte)0).ToArray();
        if (!_client.Writer.Send(BrokerFrameType.Connect, _id, body))
        {
            throw new BrokerGoneException();
        }

        await _connected.Task.WaitAsync(cancellationToken);
    }

    public Task<byte[]> ExecAsync(byte[] stdin, CancellationToken cancellationToken = default) =>
        CollectAsync(Open(stdin, keepInputOpen: false), () => stdin, cancellationToken);

    public Task<byte[]> LaunchAsync(ResidentLaunch launch, CancellationToken cancellationToken = default) =>
        CollectAsync(Open(BrokerFrameType.Launch, launch.Line, keepInputOpen: false), launch.ToPayload, cancellationToken);

    /// <summary>An exec channel's whole output; over a connection of this process's own (with <paramref name="payload"/>) when the daemon has no room.</summary>
    private async Task<byte[]> CollectAsync(BrokeredChannel channel, Func<byte[]> payload, CancellationToken cancellationToken)
    {
        try
        {
            await channel.Ended.WaitAsync(cancellationToken);
            return channel.Collected();
        }
        catch (BrokerBusyException)
        {
            return await (await OverflowAsync(cancellationToken)).ExecAsync(payload(), cancellationToken);
        }
        catch (Exception ex) when (ex is not SessionKeeperException)
        {
            throw Translate(ex, cancellationToken);
        }
        finally
        {
            channel.Dispose();
        }
    }

    public async Task<IRemoteOutput> OpenStreamAsync(byte[] stdin, CancellationToken cancellationToken = default)
    {
        var channel = Open(stdin, keepInputOpen: true);
        try
        {
            await channel.Opened.WaitAsync(cancellationToken);
            return channel;
        }
        catch (BrokerBusyException)
        {
            channel.Dispose();
            return await (await OverflowAsync(cancellationToken)).OpenStreamAsync(stdin, cancellationToken);
        }
        catch (Exception ex)
        {
            channel.Dispose();
            throw ex is SessionKeeperException known ? known : Translate(ex, cancellationToken);
        }
    }

    public void Abort()
    {
        _client.Writer.Send(BrokerFrameType.Abort, _id);
        _overflow.Abort();
        MarkLost();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _client.Writer.Send(BrokerFrameType.Release, _id);
            _client.Unregister(_id);
        }

        MarkLost();
        await _overflow.DisposeAsync();
    }

    public void Receive(BrokerFrame frame)
    {
        switch (frame.Type)
        {
            case BrokerFrameType.Connected:
                _connected.TrySetResult();
                break;
            case BrokerFrameType.Error:
                _connected.TrySetException(frame.ToFailure());
                break;
            case BrokerFrameType.Busy:
                _connected.TrySetException(new BrokerBusyException());
                break;
            case BrokerFrameType.Prompt:
                PromptRelay.Answer(_client.Writer, frame, _interaction);
                break;
            case BrokerFrameType.Lost:
                MarkLost();
                break;
        }
    }

    public void BrokerClosed()
    {
        _connected.TrySetException(new BrokerGoneException());
        MarkLost();
    }

    private BrokeredChannel Open(byte[] stdin, bool keepInputOpen) => Open(BrokerFrameType.Open, stdin, keepInputOpen);

    private BrokeredChannel Open(BrokerFrameType type, byte[] stdin, bool keepInputOpen)
    {
        var channel = new BrokeredChannel(_client, _client.NextId(), _label, collect: !keepInputOpen, Lost);
        _client.Register(channel.Id, channel);
        var body = new BodyWriter().Bytes(BitConverter.GetBytes(_id)).Byte(keepInputOpen ? (byte)1 : (byte)0).Bytes(stdin).ToArray();
        if (Lost.IsCancellationRequested || !_client.Writer.Send(type, channel.Id, body))
        {
            channel.BrokerClosed();
        }

        return channel;
    }

    /// <summary>This session's own connection, for a channel the daemon has no room for.</summary>
    private async Task<IRemoteSession> OverflowAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _noted, 1) == 0)
        {
            _note($"the daemon's connection to {_label} has no free channel; this one goes over a connection of its own.");
        }

        try
        {
            return await _overflow.SessionAsync(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            throw SshRemoteSession.Failure(new OperationCanceledException(), cancellationToken.IsCancellationRequested, lost: true, _label);
        }
    }

    private SessionKeeperException Translate(Exception ex, CancellationToken callerToken) =>
        SshRemoteSession.Failure(ex, callerToken.IsCancellationRequested, Lost.IsCancellationRequested, _label);

    private void MarkLost()
    {
        try
        {
            _lost.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
