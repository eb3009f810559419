using System.Diagnostics;

namespace SessionKeeper.Tests.Fakes;

/// <summary>
/// `sh -c SCRIPT` processes each in a session of its own, as jobs typed in another terminal (what
/// adopt takes over and kill stops); whatever is left of them is killed, whole trees, on dispose.
/// </summary>
internal sealed class SessionGroups : IDisposable
{
    private readonly List<Process> _started = [];

    /// <summary>Starts SCRIPT under setsid; returns its pid (= its group and its session).</summary>
    public int Start(string script)
    {
        var info = new ProcessStartInfo("setsid") { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var arg in (string[])["sh", "-c", script])
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        _started.Add(process);
        return process.Id;
    }

    public void Dispose()
    {
        foreach (var process in _started)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }
    }
}
