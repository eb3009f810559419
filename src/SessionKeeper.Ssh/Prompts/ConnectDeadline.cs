namespace SessionKeeper.Ssh.Prompts;

/// <summary>
/// The hard deadline around one connection attempt (SSH.NET ignores cancellation during key
/// exchange and authentication), stopped while a person is being asked something: a passphrase
/// typed slowly is not a dead server.
/// </summary>
internal sealed class ConnectDeadline : IDisposable
{
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _timer;
    private readonly CancellationTokenSource _source;
    private readonly TimeSpan _limit;
    private readonly Lock _gate = new();
    private TimeSpan _used;
    private long _since;
    private int _paused;

    public ConnectDeadline(TimeSpan limit, CancellationToken cancellationToken, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _limit = limit;
        _since = _time.GetTimestamp();
        _timer = new CancellationTokenSource(limit, _time);
        _source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timer.Token);
    }

    public CancellationToken Token => _source.Token;

    /// <summary>True when the deadline itself (not the caller) cancelled.</summary>
    public bool Expired(CancellationToken callerToken) => _source.IsCancellationRequested && !callerToken.IsCancellationRequested;

    public void Pause()
    {
        lock (_gate)
        {
            if (_paused++ == 0 && !_source.IsCancellationRequested)
            {
                _used += _time.GetElapsedTime(_since);
                Arm(Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Resume()
    {
        lock (_gate)
        {
            if (--_paused == 0 && !_source.IsCancellationRequested)
            {
                _since = _time.GetTimestamp();
                var left = _limit - _used;
                Arm(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
        }
    }

    /// <summary>A prompt may outlive an abandoned attempt, whose deadline is disposed by then.</summary>
    private void Arm(TimeSpan delay)
    {
        try
        {
            _timer.CancelAfter(delay);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _source.Dispose();
        _timer.Dispose();
    }
}

/// <summary>Pauses the current connection deadline for as long as a prompt is on screen.</summary>
internal sealed class DeadlineAwareInteraction(IUserInteraction inner) : IUserInteraction
{
    private ConnectDeadline? _deadline;

    public ConnectDeadline? Deadline
    {
        get => Volatile.Read(ref _deadline);
        set => Volatile.Write(ref _deadline, value);
    }

    public bool CanPrompt => inner.CanPrompt;

    public string? ReadSecret(string prompt) => Paused(() => inner.ReadSecret(prompt));

    public string? ReadLine(string prompt) => Paused(() => inner.ReadLine(prompt));

    public void Note(string message) => inner.Note(message);

    private string? Paused(Func<string?> ask)
    {
        var deadline = Deadline;
        deadline?.Pause();
        try
        {
            return ask();
        }
        finally
        {
            deadline?.Resume();
        }
    }
}
