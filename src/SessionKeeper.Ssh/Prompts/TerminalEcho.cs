using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace SessionKeeper.Ssh.Prompts;

/// <summary>
/// Turns a terminal's echo off and back on (termios <c>c_lflag</c> ECHO), for passphrase prompts.
/// Neither change flushes the terminal's input queue (TCSANOW, never TCSAFLUSH): an answer typed
/// or pasted before the prompt appears is kept, the way OpenSSH's <c>readpassphrase()</c> keeps it.
/// The caller turns echo off before it writes the prompt, so nothing typed after the prompt is shown.
/// </summary>
internal static class TerminalEcho
{
    /// <summary>Turns echo off; returns the settings to restore, or null when the descriptor is no terminal.</summary>
    public static unsafe termios? Disable(int fd)
    {
        termios saved;
        if (tcgetattr(fd, &saved) != 0)
        {
            return null;
        }

        var changed = saved;
        changed.c_lflag &= ~ECHO;
        return tcsetattr(fd, (int)TCSANOW, &changed) == 0 ? saved : null;
    }

    /// <summary>Puts the saved settings back without discarding pending input.</summary>
    public static unsafe void Restore(int fd, termios saved) => _ = tcsetattr(fd, (int)TCSANOW, &saved);

    /// <summary>Whether echo is on for the terminal, or null when the descriptor is no terminal.</summary>
    public static unsafe bool? IsEchoOn(int fd)
    {
        termios current;
        return tcgetattr(fd, &current) != 0 ? null : (current.c_lflag & ECHO) != 0;
    }
}
