using System.Text;

namespace SessionKeeper.Cli.Fleet;

/// <summary>
/// One status line at the bottom of the terminal, redrawn in place (<c>\r</c>, erase to the end of
/// the line, the text) and never in the way of other output: everything else written to the
/// terminal while it is shown goes through <see cref="Above"/> under the same lock, which erases it,
/// writes, and draws it again. Used only when stdout and stderr are both the terminal (on a pipe or
/// a file there is nothing to redraw, and stdout and stderr could not be kept in order around it).
/// </summary>
internal sealed class ProgressLine(object gate, Stream terminal, Func<int, string> text)
{
    /// <summary>Carriage return, then erase from the cursor to the end of the line (ECMA-48 EL 0).</summary>
    private static readonly byte[] Erase = "\r\u001b[K"u8.ToArray();

    /// <summary>Output in bursts redraws the line at most this often; the timer draws it afterwards.</summary>
    private const long MinRedrawMs = 100;

    private bool _shown;
    private bool _stopped;
    private long _drawnAt = long.MinValue / 2;

    /// <summary>Draws the line with fresh figures (the caller's timer).</summary>
    public void Draw()
    {
        lock (gate)
        {
            if (!_stopped)
            {
                DrawLocked();
            }
        }
    }

    /// <summary>Runs <paramref name="write"/> (output to the terminal) with the line erased first and drawn again after. The caller holds the lock.</summary>
    public void Above(Action write)
    {
        if (_shown)
        {
            terminal.Write(Erase);
            terminal.Flush();
            _shown = false;
        }

        write();
        if (!_stopped && Environment.TickCount64 - _drawnAt >= MinRedrawMs)
        {
            DrawLocked();
        }
    }

    /// <summary>Erases the line for good: what follows (the summary) is written where it was.</summary>
    public void Stop()
    {
        lock (gate)
        {
            _stopped = true;
            if (_shown)
            {
                terminal.Write(Erase);
                terminal.Flush();
                _shown = false;
            }
        }
    }

    private void DrawLocked()
    {
        var line = Encoding.UTF8.GetBytes(Fit(text(Width() - 1), Width() - 1));
        terminal.Write(Erase);
        terminal.Write(line);
        terminal.Flush();
        _shown = true;
        _drawnAt = Environment.TickCount64;
    }

    /// <summary>A line longer than the terminal would wrap, and \r would then return to its second half only.</summary>
    internal static string Fit(string line, int width) => line.Length <= width ? line : width <= 1 ? "" : line[..(width - 1)] + "…";

    private static int Width()
    {
        try
        {
            return Console.WindowWidth is var width and > 10 ? width : 80;
        }
        catch (Exception ex) when (ex is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            return 80;
        }
    }
}
