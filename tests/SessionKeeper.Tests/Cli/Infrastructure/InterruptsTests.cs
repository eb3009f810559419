using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;
using SessionKeeper.Cli.Infrastructure;

namespace SessionKeeper.Tests.Cli.Infrastructure;

public class InterruptsTests
{
    private static Func<Task> Counting(StrongBox<int> forwards) => () =>
    {
        Interlocked.Increment(ref forwards.Value);
        return Task.CompletedTask;
    };

    private static void CtrlC(Interrupts interrupts) => interrupts.Handle(new PosixSignalContext(PosixSignal.SIGINT));

    [Fact(Timeout = 10_000)]
    public async Task Ending_a_forward_waits_for_the_one_still_running_so_its_report_is_written_first()
    {
        var clock = new FakeTimeProvider();
        using var interrupts = new Interrupts(register: false, clock);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reported = false;
        var forwarding = interrupts.Forward(async () =>
        {
            started.SetResult();
            await release.Task;
            reported = true;
        });

        CtrlC(interrupts);
        await started.Task;
        var ending = forwarding.DisposeAsync().AsTask();

        Assert.False(ending.IsCompleted);
        release.SetResult();
        await ending;
        Assert.True(reported);
        Assert.False(interrupts.Token.IsCancellationRequested);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_second_ctrl_c_within_the_double_press_window_cancels()
    {
        var clock = new FakeTimeProvider();
        using var interrupts = new Interrupts(register: false, clock);
        var forwards = new StrongBox<int>();
        await using (interrupts.Forward(Counting(forwards)))
        {
            CtrlC(interrupts);
            CtrlC(interrupts);
        }

        Assert.Equal(1, forwards.Value);
        Assert.True(interrupts.Token.IsCancellationRequested);
    }

    [Theory(Timeout = 10_000)]
    [InlineData(1000, 1, true)] // at the window's edge: still a double press
    [InlineData(1001, 2, false)]
    public async Task A_ctrl_c_after_the_window_forwards_again(int afterMs, int expectedForwards, bool cancelled)
    {
        var clock = new FakeTimeProvider();
        using var interrupts = new Interrupts(register: false, clock);
        var forwards = new StrongBox<int>();
        await using (interrupts.Forward(Counting(forwards)))
        {
            CtrlC(interrupts);
            clock.Advance(TimeSpan.FromMilliseconds(afterMs));
            CtrlC(interrupts);
        }

        Assert.Equal(expectedForwards, forwards.Value);
        Assert.Equal(cancelled, interrupts.Token.IsCancellationRequested);
    }

    [Fact]
    public void Without_a_forward_ctrl_c_cancels()
    {
        var clock = new FakeTimeProvider();
        using var interrupts = new Interrupts(register: false, clock);

        CtrlC(interrupts);

        Assert.True(interrupts.Token.IsCancellationRequested);
    }
}
