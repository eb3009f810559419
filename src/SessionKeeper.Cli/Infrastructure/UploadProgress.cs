using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// The progress line of `run -d` while it uploads piped stdin, on a terminal only: one line
/// rewritten in place (at most five times a second), ended when the upload is.
/// </summary>
internal sealed class UploadProgress : IProgress<long>, IDisposable
{
    private readonly Stopwatch _since = Stopwatch.StartNew();

    // The raw stream: Console.Error shows control characters visibly (\r as "\r"), and this line
    // is drawn with a carriage return and an erase to the end of the line.
    private readonly Stream _stderr = Console.OpenStandardError();
    private readonly Lock _lock = new();
    private long _lastDrawn = -1;
    private long _held;
    private bool _drawn;

    private UploadProgress()
    {
    }

    /// <summary>A progress line when stderr is a terminal and status lines are wanted; null otherwise.</summary>
    public static UploadProgress? OnTerminal(Verbosity verbosity) =>
        verbosity >= Verbosity.Status && !Console.IsErrorRedirected ? new UploadProgress() : null;

    public void Report(long value)
    {
        lock (_lock)
        {
            _held = value;
            var now = _since.ElapsedMilliseconds;
            if (_lastDrawn >= 0 && now - _lastDrawn < 200)
            {
                return;
            }

            _lastDrawn = now;
            Draw();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_drawn)
            {
                Draw();
                _stderr.Write("\n"u8);
                _stderr.Flush();
            }

            _stderr.Dispose();
        }
    }

    private void Draw()
    {
        var seconds = Math.Max(_since.Elapsed.TotalSeconds, 0.001);
        _stderr.Write(Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"\rsessionkeeper: stdin uploaded: {_held / 1048576.0:0.0} MiB ({_held / 1048576.0 / seconds:0.0} MiB/s)\u001b[K")));
        _stderr.Flush();
        _drawn = true;
    }
}
