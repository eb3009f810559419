using System.Diagnostics;
using System.Globalization;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// The progress line of `run -d` while it uploads piped stdin, on a terminal only: one line
/// rewritten in place (at most five times a second), ended when the upload is.
/// </summary>
internal sealed class UploadProgress : IProgress<long>, IDisposable
{
    private readonly Stopwatch _since = Stopwatch.StartNew();
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
                Console.Error.WriteLine();
            }
        }
    }

    private void Draw()
    {
        var seconds = Math.Max(_since.Elapsed.TotalSeconds, 0.001);
        Console.Error.Write(string.Create(
            CultureInfo.InvariantCulture,
            $"\rsessionkeeper: stdin uploaded: {_held / 1048576.0:0.0} MiB ({_held / 1048576.0 / seconds:0.0} MiB/s)\u001b[K"));
        _drawn = true;
    }
}
