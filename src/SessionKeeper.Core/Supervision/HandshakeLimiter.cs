using SessionKeeper.Core.Journal;

namespace SessionKeeper.Core.Supervision;

/// <summary>
/// How many handshakes may be under way at once to one address:port, adapted like TCP's window
/// (AIMD): each handshake that gets through raises the limit by one, a refused or dropped one
/// halves it, once per wave (handshakes begun before the last cut do not cut again). Servers
/// drop excess unauthenticated connections (Dropbear beyond 5 per source, OpenSSH beyond
/// MaxStartups), so a fleet behind one address backs off to what that address accepts.
/// </summary>
internal sealed class HandshakeLimiter(int initial = 10, int ceiling = 1024)
{
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>The first hop's address:port: where the handshake really goes.</summary>
    public static string KeyOf(JobEndpoint endpoint) =>
        endpoint.Settings?.JumpHosts is [var first, ..] ? KeyOf(first) : $"{endpoint.Host}:{endpoint.Port}";

    /// <summary>The current limit for <paramref name="key"/> (for tests and diagnostics).</summary>
    public int LimitOf(string key)
    {
        lock (_windows)
        {
            return _windows.TryGetValue(key, out var w) ? (int)w.Limit : initial;
        }
    }

    /// <summary>Waits for a handshake slot; dispose the ticket with the outcome.</summary>
    public async Task<Ticket> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        TaskCompletionSource<int> waiter;
        lock (_windows)
        {
            if (!_windows.TryGetValue(key, out var window))
            {
                _windows[key] = window = new Window(initial);
            }

            if (window.InFlight < (int)window.Limit && window.Waiters.Count == 0)
            {
                window.InFlight++;
                return new Ticket(this, key, window.Epoch);
            }

            waiter = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            window.Waiters.AddLast(waiter);
        }

        using (cancellationToken.Register(() => Cancel(key, waiter)))
        {
            var epoch = await waiter.Task;
            return new Ticket(this, key, epoch);
        }
    }

    private void Cancel(string key, TaskCompletionSource<int> waiter)
    {
        lock (_windows)
        {
            if (_windows.TryGetValue(key, out var window) && window.Waiters.Remove(waiter))
            {
                waiter.TrySetCanceled();
            }
        }
    }

    private void Release(string key, int epoch, bool? accepted)
    {
        lock (_windows)
        {
            var window = _windows[key];
            window.InFlight--;
            if (accepted == true)
            {
                window.Limit = Math.Min(ceiling, window.Limit + 1);
            }
            else if (accepted == false && epoch == window.Epoch)
            {
                window.Limit = Math.Max(1, Math.Floor(window.Limit / 2));
                window.Epoch++;
            }

            while (window.InFlight < (int)window.Limit && window.Waiters.First is { } next)
            {
                window.Waiters.RemoveFirst();
                window.InFlight++;
                next.Value.TrySetResult(window.Epoch);
            }
        }
    }

    /// <summary>One handshake slot.</summary>
    public sealed class Ticket(HandshakeLimiter owner, string key, int epoch)
    {
        private int _done;

        /// <summary>true: the server took the handshake; false: it refused or dropped it; null: neither (cancelled, or refused for cause).</summary>
        public void Complete(bool? accepted)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                owner.Release(key, epoch, accepted);
            }
        }
    }

    private sealed class Window(int limit)
    {
        public double Limit { get; set; } = limit;

        public int InFlight { get; set; }

        public int Epoch { get; set; }

        public LinkedList<TaskCompletionSource<int>> Waiters { get; } = new();
    }
}
