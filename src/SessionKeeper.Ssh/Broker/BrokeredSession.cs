using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh.Broker;

/// <summary>
/// A session on a connection the daemon holds. Its channels run the same constant command with
/// the same payload as <see cref="SshRemoteSession"/>'s, and fail with the same kinds and words:
/// an interruption by the caller, a lost link (the connection's, or the daemon's socket's), or
/// the failure the daemon met, as it was thrown there.
/// </summary>
internal sealed class BrokeredSession(BrokerClient client, uint id, string label, IUserInteraction interaction) : IRemoteSession, IBrokerEndpoint
{
    private readonly CancellationTokenSource _lost = new();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _released;

    public string HostLabel => label;

    public CancellationToken Lost => _lost.Token;

    public bool CanSendToStreams => true;

    public BrokerClient Client => client;

    /// <summary>Binds this session to a connection of the daemon's to the target in <paramref name="targetJson"/>.</summary>
    public async Task ConnectAsync(string targetJson, CancellationToken cancellationToken)
    {
        client.Register(id, this);
        var body = new BodyWriter().String(targetJson).Byte(interaction.CanPrompt ? (byte)1 : (byte)0).ToArray();
        if (!client.Writer.Send(BrokerFrameType.Connect, id, body))
        {
            throw new BrokerGoneException();
        }

        await _connected.Task.WaitAsync(cancellationToken);
    }

    public async Task<byte[]> ExecAsync(byte[] stdin, CancellationToken cancellationToken = default)
    {
        var channel = Open(stdin, keepInputOpen: false);
        try
        {
            await channel.Ended.WaitAsync(cancellationToken);
            return channel.Collected();
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
        catch (Exception ex)
        {
            channel.Dispose();
            throw ex is SessionKeeperException known ? known : Translate(ex, cancellationToken);
        }
    }

    public void Abort()
    {
        client.Writer.Send(BrokerFrameType.Abort, id);
        MarkLost();
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            client.Writer.Send(BrokerFrameType.Release, id);
            client.Unregister(id);
        }

        MarkLost();
        return ValueTask.CompletedTask;
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
            case BrokerFrameType.Prompt:
                PromptRelay.Answer(client, frame, interaction);
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

    private BrokeredChannel Open(byte[] stdin, bool keepInputOpen)
    {
        var channel = new BrokeredChannel(client, client.NextId(), label, collect: !keepInputOpen, Lost);
        client.Register(channel.Id, channel);
        var body = new BodyWriter().Bytes(BitConverter.GetBytes(id)).Byte(keepInputOpen ? (byte)1 : (byte)0).Bytes(stdin).ToArray();
        if (Lost.IsCancellationRequested || !client.Writer.Send(BrokerFrameType.Open, channel.Id, body))
        {
            channel.BrokerClosed();
        }

        return channel;
    }

    private SessionKeeperException Translate(Exception ex, CancellationToken callerToken) =>
        SshRemoteSession.Failure(ex, callerToken.IsCancellationRequested, Lost.IsCancellationRequested, label);

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
