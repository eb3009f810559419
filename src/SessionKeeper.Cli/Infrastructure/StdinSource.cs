using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// What a single-host job reads as its stdin, as ssh decides it: ours, unless <c>-n</c> says
/// /dev/null or ours is a terminal (not read: an interactive terminal is not something a detached
/// job can own; the README says so). Input that is already at its end (a closed pipe, /dev/null,
/// an empty file) is the same as /dev/null to the job, and costs the target nothing.
/// </summary>
internal static class StdinSource
{
    private const int PeekBytes = 64 * 1024;

    /// <summary>Our stdin for the job, or null when the job gets /dev/null.</summary>
    public static Stream? Open(bool noStdin)
    {
        if (noStdin || !Console.IsInputRedirected)
        {
            return null;
        }

        var stdin = Console.OpenStandardInput();
        if (!IsReadable(0))
        {
            return stdin; // nothing yet: the job starts now and reads it as it comes
        }

        // Readable now: either bytes, or the end already. A read cannot block here.
        var first = new byte[PeekBytes];
        var n = stdin.Read(first, 0, first.Length);
        return n == 0 ? null : new PrefixedStream(first.AsMemory(0, n), stdin);
    }

    /// <summary>poll(2) with no wait: whether a read of <paramref name="fd"/> returns at once (data, or end of file).</summary>
    private static unsafe bool IsReadable(int fd)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var p = new pollfd { fd = fd, events = (short)POLLIN };
        int rc;
        do
        {
            rc = poll(&p, 1, 0);
        }
        while (rc < 0 && errno == EINTR);
        return rc > 0 && (p.revents & (POLLIN | POLLHUP)) != 0;
    }

    /// <summary>Bytes already read, then the rest of the stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_prefix.IsEmpty)
            {
                return rest.Read(buffer, offset, count);
            }

            var n = Math.Min(count, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer.AsSpan(offset, n));
            _prefix = _prefix[n..];
            return n;
        }

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
                rest.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
