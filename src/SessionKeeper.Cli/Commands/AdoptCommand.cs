using System.CommandLine;
using System.Globalization;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Cli.Commands;

/// <summary>
/// `adopt HOST PID`: takes over a process started by hand in an SSH session, from any other
/// connection: it ignores SIGHUP from then on and its terminal output goes to the job's files, and
/// it is a job like any other (status, attach, logs, wait, kill, rm). Without PID: the candidates.
/// </summary>
internal static class AdoptCommand
{
    public static Command Create(SshOptions ssh)
    {
        var host = CommonArguments.Host();
        var pid = new Argument<string?>("pid") { Description = "The process to adopt (see `adopt HOST` for the candidates).", Arity = ArgumentArity.ZeroOrOne };
        var id = new Option<string?>("--id") { Description = "Choose the job id (default: a new random id)." };
        var command = new Command("adopt", "Take over a process started by hand in an SSH session, so that it survives the connection; without PID, list the candidates.") { host, pid, id };
        ssh.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var target = ssh.Resolve(result, result.GetValue(host)!);
            var keeper = Keepers.Open(result);
            if (result.GetValue(pid) is not { } text)
            {
                WriteCandidates(await keeper.AdoptCandidatesAsync(target, cancellationToken), target.Label);
                return 0;
            }

            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, $"'{TerminalText.Visible(text)}' is not a process id; `sessionkeeper adopt {target.Label}` lists the candidates.");
            }

            var jobId = result.GetValue(id) is { } chosen ? JobId.Parse(chosen) : JobId.New();
            Adoption adoption;
            try
            {
                adoption = await keeper.AdoptAsync(target, number, jobId, cancellationToken);
            }
            catch (SessionKeeperException ex) when (ex.RemoteCode is { } code && RefusalCode(code) is { } exit)
            {
                Console.Error.WriteLine($"sessionkeeper: {ex.Message}");
                return exit;
            }

            return Report(adoption, number, target.Label);
        });
        return command;
    }

    /// <summary>The exit code of each refusal: nothing was adopted.</summary>
    public static int? RefusalCode(string code) => code switch
    {
        "adopt-other-user" => ExitCodes.AdoptOtherUser,
        "adopt-pid-one" or "adopt-own-helper" or "adopt-own-job" or "adopt-already" => ExitCodes.AdoptNotAdoptable,
        "adopt-no-process" => ExitCodes.AdoptNoProcess,
        "adopt-exited" => ExitCodes.AdoptExited,
        _ => null,
    };

    /// <summary>What the adoption did, on stderr; the job id as the last line of stdout (as `run -d`).</summary>
    private static int Report(Adoption adoption, int pid, string host)
    {
        var id = adoption.Id;
        int exit;
        if (adoption.Protection == "protected")
        {
            Console.Error.WriteLine($"sessionkeeper: adopted process {pid} on {host} as job {id}: it ignores SIGHUP, and its terminal output goes to the job's stdout and stderr " +
                $"({Processes(adoption.Protected)} of its group protected). It survives the connection now.");
            exit = 0;
        }
        else if (adoption.Protection == "partial")
        {
            Console.Error.WriteLine($"sessionkeeper: adopted process {pid} on {host} as job {id}, but only {adoption.Protected} of the {Processes(adoption.Members)} of its group could be protected; " +
                "the others may still die with the terminal (see the job directory's `adopted` file on the target).");
            exit = ExitCodes.AdoptPartial;
        }
        else
        {
            Console.Error.WriteLine($"sessionkeeper: state: adopted-unprotected. Process {pid} on {host} is tracked as job {id} (status, wait, kill), but it could not be protected: {Why(adoption.Reason, host)}");
            Console.Error.WriteLine($"  It will die with its terminal. What you can still do: {StillPossible(adoption)}");
            exit = ExitCodes.AdoptUnprotected;
        }

        if (adoption.SessionLeader && adoption.Protection != "unprotected" && AbortsOwnCommands(adoption.Status.CommandPreview) is { } shell)
        {
            // Measured: an interactive dash or zsh aborts the command it runs itself at its first
            // failed terminal call after the hangup (tcsetpgrp, tcgetattr on a descriptor of its own,
            // not 0-2), then reads EOF on stdin and exits. bash carries on.
            Console.Error.WriteLine($"  warning: this is an interactive {shell}: what it runs itself (a loop typed at its prompt) is aborted when its terminal goes away, " +
                "adopted or not; the programs it started survive. Adopt those programs instead.");
        }

        Console.Error.WriteLine($"  follow it: sessionkeeper attach {id}    stop it: sessionkeeper kill {id}");
        Console.Error.WriteLine("  its exit status will be unknown: it is not SessionKeeper's child, so `wait` reports only that it ended.");
        Console.WriteLine(id);
        return exit;
    }

    /// <summary>"dash" or "zsh" when the command line is one of those shells (a login shell's starts with "-").</summary>
    private static string? AbortsOwnCommands(string commandLine)
    {
        var program = Path.GetFileName(commandLine.Split(' ', 2)[0].TrimStart('-'));
        return program is "dash" or "zsh" ? program : null;
    }

    private static string Processes(int n) => n == 1 ? "1 process" : $"{n} processes";

    /// <summary>Why ptrace could not be used, in words, with what would allow it.</summary>
    public static string Why(string? reason, string host) => reason switch
    {
        "no-tool" => $"{host} has no perl, and changing another process's signal handling and descriptors takes ptrace, which adopt does through perl. Install perl there.",
        "unsupported-arch" => $"adopt's ptrace tool supports x86_64 only, and {host} is another architecture.",
        "yama-1" => $"the kernel of {host} allows ptrace only of a process's own descendants (Yama ptrace_scope = 1, Ubuntu's default). An administrator can allow it: sysctl kernel.yama.ptrace_scope=0.",
        "yama-2" => $"the kernel of {host} allows ptrace to administrators only (Yama ptrace_scope = 2).",
        "yama-3" => $"the kernel of {host} forbids ptrace altogether (Yama ptrace_scope = 3, until the next reboot).",
        "not-dumpable" => "the process made itself non-dumpable (PR_SET_DUMPABLE 0, as ssh-agent and gpg-agent do): no process of its user may ptrace it.",
        "setuid" => "the process runs setuid (its effective or saved user id is not yours): only root may ptrace it.",
        "setgid" => "the process runs setgid, or with another group (its group ids are not yours): only root may ptrace it.",
        "other-user" => "the process belongs to another user.",
        "tool-failed" => "the ptrace tool could not run its calls in it; it was detached and left as it was (the job directory's `adopted` file on the target says which call failed).",
        _ => $"the kernel of {host} refused ptrace (a container without CAP_SYS_PTRACE, a seccomp filter, or a security module such as AppArmor or SELinux).",
    };

    private static string StillPossible(Adoption adoption) =>
        adoption.SessionLeader
            ? "it is the session's own shell: keep that connection open, or start the work again with `sessionkeeper run`."
            : adoption.Foreground
                ? "in its shell, press Ctrl-Z, then `bg` and `disown -h %N` (bash; zsh: `disown %N`), so the shell does not pass SIGHUP on; its output to the terminal is lost once the terminal is gone."
                : "in its shell, `disown -h %N` (bash; zsh: `disown %N`; `jobs` gives N), so the shell does not pass SIGHUP on; its output to the terminal is lost once the terminal is gone.";

    private static void WriteCandidates(IReadOnlyList<AdoptCandidate> candidates, string host)
    {
        if (candidates.Count == 0)
        {
            Console.Error.WriteLine($"sessionkeeper: no process of yours on {host} has a terminal (other than this connection's).");
            return;
        }

        var table = new TextTable("PID", "PGID", "TTY", "AGE", "ROLE", "COMMAND").AlignRight(0).AlignRight(1).AlignRight(3);
        foreach (var c in candidates.OrderBy(c => c.Terminal, StringComparer.Ordinal).ThenBy(c => c.Pid))
        {
            var role = c.IsSessionLeader ? "shell" : c.Foreground ? "foreground" : "background";
            if (c.State is "T" or "t")
            {
                role += ", stopped";
            }

            table.Add(
                c.Pid.ToString(CultureInfo.InvariantCulture),
                c.ProcessGroup.ToString(CultureInfo.InvariantCulture),
                c.Terminal,
                c.Age is { } age ? Age(age) : "-",
                role,
                JobOutput.OneLine(c.Command));
        }

        table.WriteTo(Console.Out);
    }

    private static string Age(TimeSpan age) =>
        age.TotalSeconds < 120 ? $"{(int)age.TotalSeconds}s"
        : age.TotalMinutes < 120 ? $"{(int)age.TotalMinutes}m"
        : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
        : $"{(int)age.TotalDays}d";
}
