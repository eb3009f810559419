using System.Security.Cryptography;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// A job's stdin carried through its spool: the runner's upload verb, the wrapper's feeder and the
/// client's uploader, run for real by dash, bash and BusyBox ash, through uploads cut at random bytes.
/// </summary>
public sealed class StdinSpoolScriptTests : IDisposable
{
    private readonly ShellTarget _state = new();

    public void Dispose() => _state.Dispose();

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task Every_byte_reaches_the_job_once_through_uploads_cut_at_random_bytes(string shell)
    {
        var input = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 12345);
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("cat; echo done >&2", Shell: "/bin/sh"), spoolStdin: true);
        var connector = new CuttingConnector(() => Shells.Session(shell, _state.Path, keepStreamInput: true), seed: 7, maxBytesPerCall: 900_000);
        var uploader = new StdinUploader(connector, id, new MemoryStream(input), Options());

        Assert.Equal(StdinOutcome.Complete, await uploader.RunAsync());

        var status = await client.UntilFinishedAsync(id.Value);
        Assert.Equal(JobState.Exited, status.State);
        Assert.Equal(0, status.ExitCode);
        Assert.True(connector.Cuts >= 2, $"only {connector.Cuts} cut(s): the test proves nothing");
        Assert.Equal(input.Length, new FileInfo(_state.JobFile(id.Value, "in")).Length);
        Assert.Equal(input.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(_state.JobFile(id.Value, "in.eof")).Trim());
        Assert.Equal(SHA256.HashData(input), SHA256.HashData(File.ReadAllBytes(_state.JobFile(id.Value, "out"))));
        Assert.Equal("done\n", File.ReadAllText(_state.JobFile(id.Value, "err")));
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task The_job_reads_input_as_it_arrives_and_end_of_file_at_its_end(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        var marker = Path.Combine(_state.Path, "got-first-line");
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec($"read -r a; echo \"$a\" > '{marker}'; cat; echo eof", Shell: "/bin/sh"), spoolStdin: true);
        var source = new GatedStream();
        var connector = new CuttingConnector(() => Shells.Session(shell, _state.Path, keepStreamInput: true), seed: 1, maxBytesPerCall: int.MaxValue);
        var upload = new StdinUploader(connector, id, source, Options()).RunAsync();

        source.Feed("first\n"u8.ToArray());
        await Until(() => File.Exists(marker) && File.ReadAllText(marker) == "first\n");
        Assert.False(upload.IsCompleted); // the job got its first line while our stdin is still open
        source.Feed("second\n"u8.ToArray());
        source.End();
        Assert.Equal(StdinOutcome.Complete, await upload);
        var status = await client.UntilFinishedAsync(id.Value);
        Assert.Equal(0, status.ExitCode);
        Assert.Equal("second\neof\n", File.ReadAllText(_state.JobFile(id.Value, "out")));
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task A_job_that_stops_reading_ends_the_upload_without_an_error(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("head -c 5; exit 3", Shell: "/bin/sh"), spoolStdin: true);
        var source = new GatedStream();
        var connector = new CuttingConnector(() => Shells.Session(shell, _state.Path, keepStreamInput: true), seed: 1, maxBytesPerCall: int.MaxValue);
        var upload = new StdinUploader(connector, id, source, Options()) { CallTime = TimeSpan.FromMilliseconds(200) }.RunAsync();
        source.Feed("hello world\n"u8.ToArray());
        var status = await client.UntilFinishedAsync(id.Value);
        Assert.Equal(3, status.ExitCode);
        Assert.Equal("hello", File.ReadAllText(_state.JobFile(id.Value, "out")));

        // Our stdin still open and silent: the next call hears that the job has ended, and the upload stops there.
        Assert.Equal(StdinOutcome.JobEnded, await upload);
        source.End();
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task A_spool_whose_source_is_gone_is_closed_where_it_stands(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("wc -c", Shell: "/bin/sh"), spoolStdin: true);
        File.WriteAllText(_state.JobFile(id.Value, "in"), "12345");
        Assert.Equal(5, await client.CloseStdinAsync(id));
        var status = await client.UntilFinishedAsync(id.Value);
        Assert.Equal(0, status.ExitCode);
        Assert.Equal("5", File.ReadAllText(_state.JobFile(id.Value, "out")).Trim());
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task A_job_started_without_a_spool_reads_dev_null_and_refuses_uploads(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("wc -c; sleep 30", Shell: "/bin/sh"));
        Assert.Equal("null\n", File.ReadAllText(_state.JobFile(id.Value, "stdin")));
        Assert.False(File.Exists(_state.JobFile(id.Value, "in")));
        var refused = await Assert.ThrowsAsync<SessionKeeperException>(() => client.CloseStdinAsync(id));
        Assert.Equal("no-stdin", refused.RemoteCode);
        await client.KillAsync(id, TimeSpan.FromSeconds(2));
    }

    private static AttachOptions Options() => new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
        DeadAfter = TimeSpan.FromSeconds(20),
        GiveUpAfter = TimeSpan.FromSeconds(60),
    };

    private static async Task Until(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(20);
        }
    }

    /// <summary>A source that gives what the test feeds it, blocking in between, as a pipe does.</summary>
    private sealed class GatedStream : Stream
    {
        private readonly System.Collections.Concurrent.BlockingCollection<byte[]> _pieces = [];
        private byte[] _current = [];
        private int _at;

        public void Feed(byte[] bytes) => _pieces.Add(bytes);

        public void End() => _pieces.CompleteAdding();

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_at == _current.Length)
            {
                if (!_pieces.TryTake(out var next, Timeout.Infinite))
                {
                    return 0;
                }

                _current = next;
                _at = 0;
            }

            var n = Math.Min(count, _current.Length - _at);
            _current.AsSpan(_at, n).CopyTo(buffer.AsSpan(offset));
            _at += n;
            return n;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _pieces.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Local shells whose upload calls break after a random number of bytes sent: part of the bytes arrive, the call dies.</summary>
    private sealed class CuttingConnector(Func<LocalShellSession> connect, int seed, int maxBytesPerCall) : IRemoteConnector
    {
        private readonly Random _random = new(seed);

        public int Cuts { get; private set; }

        private int NextBudget() => maxBytesPerCall == int.MaxValue ? int.MaxValue : _random.Next(1, maxBytesPerCall);

        public string HostLabel => "cutting";

        public Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<IRemoteSession>(new Session(connect(), this));

        private sealed class Session(LocalShellSession inner, CuttingConnector owner) : IRemoteSession
        {
            public string HostLabel => inner.HostLabel;

            public CancellationToken Lost => inner.Lost;

            public bool CanSendToStreams => true;

            public Task<byte[]> ExecAsync(byte[] stdin, CancellationToken cancellationToken = default) => inner.ExecAsync(stdin, cancellationToken);

            public async Task<IRemoteOutput> OpenStreamAsync(byte[] stdin, CancellationToken cancellationToken = default)
            {
                return new CutOutput(await inner.OpenStreamAsync(stdin, cancellationToken), owner.NextBudget(), owner);
            }

            public void Abort() => inner.Abort();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }

        private sealed class CutOutput(IRemoteOutput inner, int budget, CuttingConnector owner) : IRemoteOutput
        {
            private int _left = budget;

            public Stream Output => inner.Output;

            public void Send(ReadOnlySpan<byte> bytes)
            {
                if (bytes.Length > _left)
                {
                    inner.Send(bytes[.._left]);
                    _left = 0;
                    owner.Cuts++;

                    // The call dies with what it had: its shell and cat end, as when sshd closes the session.
                    inner.Dispose();
                    throw new IOException("cut");
                }

                inner.Send(bytes);
                _left -= bytes.Length;
            }

            public void CloseInput() => inner.CloseInput();

            public void Dispose() => inner.Dispose();
        }
    }
}
