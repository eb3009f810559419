using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SessionKeeper.Tests.Fakes;

/// <summary>
/// A process that takes its time to die, on demand: a perl tracer seizes it with
/// PTRACE_O_TRACEEXIT, so once a signal kills it (SIGKILL too) it stops at PTRACE_EVENT_EXIT and
/// stays there, alive in /proc (state t, not a zombie), until <see cref="Release"/> lets it end.
/// That is what a killed process does on a loaded machine until it gets a CPU, for as long as a
/// test likes. Other stops are passed on with their signal. Linux x86_64 (syscall numbers).
/// </summary>
public sealed class DeathHold : IDisposable
{
    // ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXIT); wait4(pid, &st, __WALL); an exit stop is
    // reported, then held until a line comes on stdin; PTRACE_CONT(sig) for any other stop.
    private const string Tool = """
        my $pid = 0 + shift; $| = 1;
        syscall(101, 0x4206, $pid, 0, 0x40) == 0 or die "seize: $!\n";
        print "seized\n";
        my $st = pack('i', 0);
        while (syscall(61, $pid, $st, 0x40000000, 0) > 0) {
            my $s = unpack('i', $st);
            last if ($s & 0xff) != 0x7f;
            if ($s >> 16 == 6) {
                print "exiting\n";
                my $go = <STDIN>;
                syscall(101, 17, $pid, 0, 0);
                exit 0;
            }
            my $sig = $s >> 16 ? 0 : ($s >> 8) & 0xff;
            syscall(101, 7, $pid, 0, $sig);
        }
        """;

    private readonly Process _tracer;

    private DeathHold(Process tracer) => _tracer = tracer;

    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64;

    /// <summary>Seizes <paramref name="pid"/>; returns once the tracer holds it.</summary>
    public static async Task<DeathHold> SeizeAsync(int pid, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo("perl") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-e", Tool, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            info.ArgumentList.Add(arg);
        }

        var hold = new DeathHold(Process.Start(info)!);
        var line = await hold._tracer.StandardOutput.ReadLineAsync(cancellationToken);
        if (line != "seized")
        {
            var error = await hold._tracer.StandardError.ReadToEndAsync(cancellationToken);
            hold.Dispose();
            throw new InvalidOperationException($"the tracer did not seize process {pid}: {error}");
        }

        return hold;
    }

    /// <summary>Completes once a signal has killed the process and it is held at its exit.</summary>
    public async Task ExitingAsync(CancellationToken cancellationToken = default)
    {
        var line = await _tracer.StandardOutput.ReadLineAsync(cancellationToken);
        if (line != "exiting")
        {
            throw new InvalidOperationException($"the tracer stopped holding its process before its exit ({line ?? "end of output"})");
        }
    }

    /// <summary>Lets the held process end.</summary>
    public void Release()
    {
        _tracer.StandardInput.WriteLine();
        _tracer.StandardInput.Flush();
    }

    /// <summary>Ends the tracer; the kernel detaches its tracee, which then goes on (or ends).</summary>
    public void Dispose()
    {
        try
        {
            _tracer.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _tracer.Dispose();
    }
}
