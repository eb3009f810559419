using SessionKeeper.Core.Remote;

namespace SessionKeeper.Tests.Fakes;

/// <summary>
/// Connects to a local shell, but every stream breaks after a random number of bytes, the way
/// Eternal Terminal's FlakySocketHandler breaks its transport: the pass criterion is byte equality.
/// </summary>
public sealed class FlakyConnector(Func<LocalShellSession> connect, int seed, int maxBytesPerStream) : IRemoteConnector
{
    private readonly Random _random = new(seed);

    public int Connections { get; private set; }

    public int Breaks { get; private set; }

    /// <summary>Remote stream helpers started: one per chunk without credit, one per connection with it.</summary>
    public int Streams { get; private set; }

    public string HostLabel => "flaky";

    public Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default)
    {
        Connections++;
        return Task.FromResult<IRemoteSession>(new FlakySession(connect(), this));
    }

    private int NextBudget()
    {
        lock (_random)
        {
            return _random.Next(1, maxBytesPerStream);
        }
    }

    private sealed class FlakySession(LocalShellSession inner, FlakyConnector owner) : IRemoteSession
    {
        public string HostLabel => inner.HostLabel;

        public CancellationToken Lost => inner.Lost;

        public Task<byte[]> ExecAsync(byte[] stdin, CancellationToken cancellationToken = default) => inner.ExecAsync(stdin, cancellationToken);

        public async Task<IRemoteOutput> OpenStreamAsync(byte[] stdin, CancellationToken cancellationToken = default)
        {
            owner.Streams++;
            var output = await inner.OpenStreamAsync(stdin, cancellationToken);
            return new BreakingOutput(output, owner.NextBudget(), () => owner.Breaks++);
        }

        public void Abort() => inner.Abort();

        public bool CanSendToStreams => inner.CanSendToStreams;

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class BreakingOutput(IRemoteOutput inner, int budget, Action broke) : IRemoteOutput
    {
        public Stream Output { get; } = new BreakingStream(inner.Output, budget, broke);

        public void Send(ReadOnlySpan<byte> bytes) => inner.Send(bytes);

        public void Dispose() => inner.Dispose();
    }

    private sealed class BreakingStream(Stream inner, int budget, Action broke) : Stream
    {
        private int _left = budget;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_left <= 0)
            {
                broke();
                throw new IOException("flaky link broke");
            }

            var n = inner.Read(buffer, offset, Math.Min(count, _left));
            _left -= n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
