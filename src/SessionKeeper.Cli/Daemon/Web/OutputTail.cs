using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Cli.Daemon.Web;

/// <summary>
/// A job's output tail as server-sent events, read from its local mirror files (the files the
/// daemon or the CLI that follows the job appends to; read-only here). It starts with the last
/// <see cref="TailBytes"/> of each stream, then sends what each file gains, until the job is
/// recorded finished and both files are drained (an `end` event) or the client goes.
/// </summary>
internal sealed class OutputTail(WebData data, TimeSpan interval)
{
    /// <summary>How much of each stream the first events carry.</summary>
    public const int TailBytes = 64 * 1024;

    /// <summary>At most this much per event.</summary>
    private const int ChunkBytes = 64 * 1024;

    public async Task StreamAsync(HttpContext context, JournalJob job, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        var files = job.MirrorPath is null ? [] : LogMirror.FilesOf(job.MirrorPath).Select(f => new Followed(f.Stream, f.File)).ToList();
        foreach (var file in files)
        {
            file.StartAtTail();
        }

        await response.WriteAsync(": tail\n\n", cancellationToken); // the headers go now: the page knows it is connected
        await response.Body.FlushAsync(cancellationToken);
        while (true)
        {
            // Was it finished before this pass read the files? Then what the pass reads is all there is.
            var finished = data.Job(job.Id.Value) is not { } now ? null : now.Row.IsUnfinished ? null : now.View;
            var sent = false;
            foreach (var file in files)
            {
                while (file.ReadNew(finished is not null) is { } text)
                {
                    var chunk = new WebChunk(file.Stream == OutputKind.Stderr ? "stderr" : "stdout", text);
                    await SendAsync(response, "output", JsonSerializer.Serialize(chunk, WebJson.Default.WebChunk), cancellationToken);
                    sent = true;
                }
            }

            if (finished is not null || data.Job(job.Id.Value) is null)
            {
                var end = new WebEnd(finished?.State ?? "forgotten", finished?.ExitCode);
                await SendAsync(response, "end", JsonSerializer.Serialize(end, WebJson.Default.WebEnd), cancellationToken);
                return;
            }

            if (!sent)
            {
                await Task.Delay(interval, cancellationToken);
            }
        }
    }

    private static async Task SendAsync(HttpResponse response, string name, string json, CancellationToken cancellationToken)
    {
        // JSON has no raw newline, so one data line holds it.
        await response.WriteAsync($"event: {name}\ndata: {json}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>One mirror file and how far it was sent.</summary>
    private sealed class Followed(OutputKind stream, string path)
    {
        private long _offset;
        private bool _lineStart = true;

        public OutputKind Stream { get; } = stream;

        public void StartAtTail()
        {
            var length = Length();
            _offset = Math.Max(0, length - TailBytes);
            _lineStart = _offset == 0 || PrecededByNewline();
        }

        /// <summary>True when the byte before the tail's start ends a line: the tail starts with a whole one.</summary>
        private bool PrecededByNewline()
        {
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                file.Position = _offset - 1;
                return file.ReadByte() == '\n';
            }
            catch (IOException)
            {
                return false;
            }
        }

        /// <summary>The visible text of what the file gained since the last call (at most one chunk), or null when nothing.</summary>
        public string? ReadNew(bool final)
        {
            var length = Length();
            if (length < _offset)
            {
                _offset = 0; // removed and recreated (rm --local, then a new job): start over
            }

            if (length <= _offset)
            {
                return null;
            }

            var buffer = new byte[(int)Math.Min(ChunkBytes, length - _offset)];
            int read;
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                file.Position = _offset;
                read = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            }
            catch (IOException)
            {
                return null; // removed meanwhile (rm --local): the stream ends with the journal's row
            }

            var bytes = buffer.AsSpan(0, read);
            var skip = 0;
            if (!_lineStart)
            {
                // The tail began inside a line: show whole lines from the first newline on.
                skip = OutputText.LineStart(bytes);
                _lineStart = skip > 0 || final;
                if (!_lineStart)
                {
                    _offset += read; // no newline yet in this much: drop it
                    return null;
                }
            }

            var shown = final && read == length - _offset ? read : skip + OutputText.CompleteLength(bytes[skip..]);
            _offset += shown;
            return shown > skip ? OutputText.Visible(bytes[skip..shown]) : null;
        }

        private long Length()
        {
            try
            {
                return new FileInfo(path).Length;
            }
            catch (IOException)
            {
                return 0; // not written yet, or removed
            }
        }
    }
}
