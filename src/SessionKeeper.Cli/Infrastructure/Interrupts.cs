using System.Runtime.InteropServices;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>Ctrl-C and SIGTERM become a cancellation the verbs act on (detach, or kill).</summary>
internal sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;

    public Interrupts()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    public CancellationToken Token => _source.Token;

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
        _source.Cancel();
    }
}
