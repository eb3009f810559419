using Microsoft.Extensions.Time.Testing;

namespace SessionKeeper.Tests.Fakes;

/// <summary>
/// A fake clock whose timers end <paramref name="early"/> short of their due time, as the system's
/// do on Linux: they keep a coarse clock (Environment.TickCount64) that may lag the timestamps'
/// (Stopwatch) by a few milliseconds, so a one-second delay measures 996.9-999.4 ms one time in five.
/// </summary>
public sealed class EarlyTimersFakeTime(TimeSpan early) : FakeTimeProvider
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        base.CreateTimer(callback, state, dueTime > early ? dueTime - early : dueTime, period);
}
