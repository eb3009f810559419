using System.Diagnostics;
using System.Text;

namespace SessionKeeper.Ssh.Prompts;

/// <summary>
/// Prompts the way OpenSSH 9.2's <c>read_passphrase()</c> does: on the controlling terminal
/// (<c>/dev/tty</c>, echo off for secrets), or through the <c>SSH_ASKPASS</c> program when
/// <c>SSH_ASKPASS_REQUIRE=force</c>, when it is <c>prefer</c> and <c>DISPLAY</c> is set, or when
/// there is no terminal and <c>DISPLAY</c> is set (<c>never</c> rules askpass out). Notes go to
/// stderr. Prompts are serialised: only one question is on screen at a time.
/// </summary>
internal sealed class TerminalInteraction : IUserInteraction
{
    /// <summary>Where OpenSSH looks when SSH_ASKPASS is unset (Debian's _PATH_SSH_ASKPASS_DEFAULT).</summary>
    public const string DefaultAskPass = "/usr/bin/ssh-askpass";

    private const string TtyPath = "/dev/tty";
    private static readonly Lock Gate = new();
    private readonly Func<string, string?> _environment;
    private readonly TextWriter _notes;
    private readonly Func<bool> _ttyAvailable;

    /// <param name="environment">Reads environment variables (SSH_ASKPASS, DISPLAY...); null for the process's.</param>
    /// <param name="notes">Where notes for the user go; null for stderr.</param>
    /// <param name="ttyAvailable">Whether a controlling terminal can be opened (tests answer for the machine).</param>
    public TerminalInteraction(Func<string, string?>? environment = null, TextWriter? notes = null, Func<bool>? ttyAvailable = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _notes = notes ?? Console.Error;
        _ttyAvailable = ttyAvailable ?? TtyAvailable;
    }

    /// <remarks>The terminal is opened at most once to tell (it was opened twice for every connection).</remarks>
    public bool CanPrompt
    {
        get
        {
            bool? tty = null;
            bool Tty() => tty ??= _ttyAvailable();
            return AskPassProgram(Tty) is { } program ? !Path.IsPathRooted(program) || File.Exists(program) : Tty();
        }
    }

    public string? ReadSecret(string prompt) => Read(prompt, echo: false);

    public string? ReadLine(string prompt) => Read(prompt, echo: true);

    public void Note(string message)
    {
        lock (Gate)
        {
            _notes.WriteLine("sessionkeeper: " + message);
        }
    }

    /// <summary>The askpass program to use, or null to use the terminal.</summary>
    internal string? AskPassProgram() => AskPassProgram(_ttyAvailable);

    private string? AskPassProgram(Func<bool> ttyAvailable)
    {
        var display = _environment("DISPLAY");
        var allow = !string.IsNullOrEmpty(display);
        var use = false;
        switch (_environment("SSH_ASKPASS_REQUIRE")?.ToLowerInvariant())
        {
            case "force":
                use = allow = true;
                break;
            case "prefer":
                use = allow;
                break;
            case "never":
                allow = false;
                break;
        }

        use = use || !ttyAvailable();
        return use && allow ? _environment("SSH_ASKPASS") is { Length: > 0 } askPass ? askPass : DefaultAskPass : null;
    }

    private static bool TtyAvailable()
    {
        try
        {
            using var tty = new FileStream(TtyPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private string? Read(string prompt, bool echo)
    {
        lock (Gate)
        {
            return AskPassProgram() is { } program ? AskPass(program, prompt) : Terminal(prompt, echo);
        }
    }

    /// <summary>Runs the askpass program with the prompt as its argument; its stdout up to the first newline is the answer.</summary>
    private static string? AskPass(string program, string prompt)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardInput = false, UseShellExecute = false };
        psi.ArgumentList.Add(prompt);
        try
        {
            using var process = Process.Start(psi);
            if (process is null)
            {
                return null;
            }

            var answer = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                return null;
            }

            var end = answer.IndexOfAny(['\r', '\n']);
            return end >= 0 ? answer[..end] : answer;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string? Terminal(string prompt, bool echo)
    {
        FileStream tty;
        try
        {
            tty = new FileStream(TtyPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        using (tty)
        {
            var fd = (int)tty.SafeFileHandle.DangerousGetHandle();

            // Echo off before the prompt is on screen, so whatever is typed once it shows is not
            // echoed; and without flushing, so an answer typed or pasted early is not lost.
            var saved = echo ? null : TerminalEcho.Disable(fd);
            tty.Write(Encoding.UTF8.GetBytes("\r" + prompt));
            try
            {
                var line = new List<byte>();
                var one = new byte[1];
                while (tty.Read(one, 0, 1) == 1 && one[0] != '\n')
                {
                    if (one[0] != '\r')
                    {
                        line.Add(one[0]);
                    }
                }

                return Encoding.UTF8.GetString([.. line]);
            }
            finally
            {
                if (saved is { } settings)
                {
                    TerminalEcho.Restore(fd, settings);
                    tty.Write("\n"u8);
                }
            }
        }
    }
}
