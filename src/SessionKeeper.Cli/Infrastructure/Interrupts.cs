using System.Runtime.InteropServices;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// Ctrl-C and SIGTERM become a cancellation the verbs act on (detach, or kill). While a forward is
/// registered (--interrupt signal), Ctrl-C runs it instead, and a second one within a second
/// cancels as usual.
/// </summary>
internal sealed class Interrupts : IDisposable
{
    public static readonly TimeSpan DoublePress = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly Lock _gate = new();
    private Func<Task>? _forward;
    private long? _lastForward;

    public Interrupts()
    {
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

    /// <summary>Until disposed, Ctrl-C runs <paramref name="forward"/> instead of cancelling.</summary>
    public IDisposable Forward(Func<Task> forward)
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

    private void Handle(PosixSignalContext context)
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
                var now = Environment.TickCount64;
                forward = _forward is not null && (_lastForward is not { } last || now - last > (long)DoublePress.TotalMilliseconds) ? _forward : null;
                if (forward is not null)
                {
                    _lastForward = now;
                }
            }

            if (forward is not null)
            {
                _ = Task.Run(forward);
                return;
            }
        }

        _source.Cancel();
    }

    private sealed class Unregister(Interrupts owner) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._forward = null;
            }
        }
    }
}
