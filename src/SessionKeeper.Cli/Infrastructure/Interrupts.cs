using System.Runtime.InteropServices;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// Ctrl-C and SIGTERM become a cancellation the verbs act on (detach, or kill). While a forward is
/// registered (--interrupt signal), Ctrl-C runs it instead, and a second one within a second
/// cancels as usual. A forward still running when its registration ends is awaited, so what it
/// reports is written before the verb returns (the job may end, from the very signal it sent,
/// before the forward's own reply arrives).
/// </summary>
internal sealed class Interrupts : IDisposable
{
    public static readonly TimeSpan DoublePress = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly Lock _gate = new();
    private Func<Task>? _forward;
    private readonly TimeProvider _clock;
    private long? _lastForward;
    private Task _forwarding = Task.CompletedTask;

    public Interrupts()
        : this(register: true, TimeProvider.System)
    {
    }

    /// <summary>Without registration, for tests that raise the signals by hand through <see cref="Handle"/>.</summary>
    internal Interrupts(bool register, TimeProvider clock)
    {
        _clock = clock;
        if (!register)
        {
            _registrations = [];
            return;
        }

        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
        Current = this;
    }

    /// <summary>The process's instance, for verbs that forward Ctrl-C.</summary>
    public static Interrupts? Current { get; private set; }

    public CancellationToken Token => _source.Token;

    /// <summary>
    /// Until disposed, Ctrl-C runs <paramref name="forward"/> instead of cancelling; disposing
    /// awaits the forwards already started (each bounds its own time).
    /// </summary>
    public IAsyncDisposable Forward(Func<Task> forward)
    {
        lock (_gate)
        {
            _forward = forward;
        }

        return new Unregister(this);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _source.Dispose();
    }

    internal void Handle(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested)
        {
            return; // a second Ctrl-C gets the default behaviour
        }

        context.Cancel = true;
        if (context.Signal == PosixSignal.SIGINT)
        {
            Func<Task>? forward;
            lock (_gate)
            {
                var now = _clock.GetTimestamp();
                forward = _forward is not null && (_lastForward is not { } last || _clock.GetElapsedTime(last, now) > DoublePress) ? _forward : null;
                if (forward is not null)
                {
                    _lastForward = now;
                }
            }

            if (forward is not null)
            {
                var started = Task.Run(forward);
                lock (_gate)
                {
                    _forwarding = Task.WhenAll(_forwarding, started);
                }

                return;
            }
        }

        _source.Cancel();
    }

    private sealed class Unregister(Interrupts owner) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Task forwarding;
            lock (owner._gate)
            {
                owner._forward = null;
                forwarding = owner._forwarding;
            }

            await forwarding.ConfigureAwait(false);
        }
    }
}
