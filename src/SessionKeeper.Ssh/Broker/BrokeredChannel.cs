using SessionKeeper.Core.Remote;

namespace SessionKeeper.Ssh.Broker;

/// <summary>
/// One exec channel of a <see cref="BrokeredSession"/>, opened by the daemon on its connection:
/// what the command prints arrives in Data frames and ends with Eof; an exec collects it all, a
/// stream hands it to a blocking reader as it comes. The stream protocol's own credit bounds what
/// can be in flight, as it does over SSH.
/// </summary>
internal sealed class BrokeredChannel : IRemoteOutput, IBrokerEndpoint
{
    private readonly BrokerClient _client;
    private readonly string _label;
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ChannelStream _output = new();
    private readonly MemoryStream _collected = new();
    private readonly CancellationTokenRegistration _onLost;
    private readonly bool _collect;
    private int _disposed;

    /// <param name="client">The daemon's socket.</param>
    /// <param name="id">The channel's id on it.</param>
    /// <param name="label">The target, as messages name it.</param>
    /// <param name="collect">An exec's channel: keep everything for <see cref="Collected"/> (a stream's bytes are only handed on).</param>
    /// <param name="lost">The session's Lost token: the channel ends with it.</param>
    public BrokeredChannel(BrokerClient client, uint id, string label, bool collect, CancellationToken lost)
    {
        _collect = collect;
        _client = client;
        _label = label;
        Id = id;
        _onLost = lost.Register(BrokerClosed);
    }

    public uint Id { get; }

    public Task Opened => _opened.Task;

    public Task Ended => _ended.Task;

    public Stream Output => _output;

    public byte[] Collected()
    {
        lock (_collected)
        {
            return _collected.ToArray();
        }
    }

    public void Send(ReadOnlySpan<byte> bytes)
    {
        if (!_client.Writer.Send(BrokerFrameType.Data, Id, bytes.ToArray()))
        {
            throw new IOException($"cannot write to the stream: the daemon's socket closed.");
        }
    }

    public void CloseInput()
    {
        if (!_client.Writer.Send(BrokerFrameType.CloseInput, Id))
        {
            throw new IOException("cannot close the stream's input: the daemon's socket closed.");
        }
    }

    public void Receive(BrokerFrame frame)
    {
        switch (frame.Type)
        {
            case BrokerFrameType.Opened:
                _opened.TrySetResult();
                break;
            case BrokerFrameType.Data when _collect:
                lock (_collected)
                {
                    _collected.Write(frame.Body);
                }

                break;
            case BrokerFrameType.Data:
                _output.Add(frame.Body);
                break;
            case BrokerFrameType.Eof:
                _opened.TrySetResult();
                _ended.TrySetResult();
                _output.End();
                break;
            case BrokerFrameType.Busy:
                _opened.TrySetException(new BrokerBusyException());
                _ended.TrySetException(new BrokerBusyException());
                _output.End();
                break;
            case BrokerFrameType.Error:
                var failure = frame.ToFailure();
                _opened.TrySetException(failure);
                _ended.TrySetException(failure);
                _output.End();
                break;
        }
    }

    /// <summary>The session or the daemon's socket is gone: a lost link, as the session's Lost token says.</summary>
    public void BrokerClosed()
    {
        var lost = BrokerFailures.Lost(_label);
        _opened.TrySetException(new OperationCanceledException(lost.Message, lost));
        _ended.TrySetException(new OperationCanceledException(lost.Message, lost));
        _output.End();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _onLost.Dispose();
        _output.End();
        _client.Writer.Send(BrokerFrameType.Close, Id);
        _client.Unregister(Id);
    }

    /// <summary>A read-only stream of the chunks received, blocking until one comes or the end.</summary>
    private sealed class ChannelStream : Stream
    {
        private readonly Queue<byte[]> _chunks = new();
        private readonly object _gate = new(); // Monitor.Wait and PulseAll need a monitor, not a Lock
        private byte[]? _current;
        private int _offset;
        private bool _ended;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public void Add(byte[] chunk)
        {
            lock (_gate)
            {
                if (!_ended && chunk.Length > 0)
                {
                    _chunks.Enqueue(chunk);
                    Monitor.PulseAll(_gate);
                }
            }
        }

        public void End()
        {
            lock (_gate)
            {
                _ended = true;
                Monitor.PulseAll(_gate);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            lock (_gate)
            {
                while (_current is null || _offset == _current.Length)
                {
                    if (_chunks.TryDequeue(out var next))
                    {
                        (_current, _offset) = (next, 0);
                        continue;
                    }

                    if (_ended)
                    {
                        return 0;
                    }

                    Monitor.Wait(_gate);
                }

                var n = Math.Min(buffer.Length, _current.Length - _offset);
                _current.AsSpan(_offset, n).CopyTo(buffer);
                _offset += n;
                return n;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.Run(() => Read(buffer, offset, count), cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(Task.Run(() => Read(buffer.Span), cancellationToken));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
