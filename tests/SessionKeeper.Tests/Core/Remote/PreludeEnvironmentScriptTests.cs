using SessionKeeper.Core.Jobs;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The job's environment takes effect at its final exec only: no tool of the prelude runs under
/// the job's PATH, IFS, HOME or LD_PRELOAD, and no name it sets (cmd, shell, d) changes what runs,
/// so none of them can change the exit code that comes back. Run by dash, bash and BusyBox ash.
/// </summary>
public sealed class PreludeEnvironmentScriptTests : IDisposable
{
    private readonly ShellTarget _state = new();

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var shell in new[] { "dash", "bash", "ash", "dash" + Shells.Posix, "bash" + Shells.Posix, "ash" + Shells.Posix })
        {
            data.Add(shell, "PATH", "/usr/local/bin");
            data.Add(shell, "PATH", "");
            data.Add(shell, "IFS", "/ :=x");
            data.Add(shell, "HOME", "/nonexistent");
            data.Add(shell, "LD_PRELOAD", "/nonexistent/sk-preload.so");
            data.Add(shell, "cmd", "exit 0");
            data.Add(shell, "shell", "/bin/false");
            data.Add(shell, "d", "/nonexistent");
        }

        return data;
    }

    public void Dispose() => _state.Dispose();

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Cases))]
    public async Task The_exit_code_comes_back_exact_whatever_the_job_environment_says(string shell, string name, string value)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("exit 5", Environment: [new(name, value)], Shell: "/bin/sh"));

        var status = await client.UntilFinishedAsync(id.Value);

        var log = File.ReadAllText(_state.JobFile(id.Value, "out")) + File.ReadAllText(_state.JobFile(id.Value, "err"));
        Assert.True((JobState.Exited, 5) == (status.State, status.ExitCode), $"{status.Describe()}; log: {log}");
        Assert.DoesNotContain("not found", log, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task The_job_sees_its_own_environment_and_the_login_path_otherwise(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        var spec = new JobSpec("printf '%s|%s|%s\\n' \"$PATH\" \"$HOME\" \"$PWD\"", Environment: [new("HOME", "/nonexistent")], Shell: "/bin/sh");
        await client.LaunchAsync(id, JobCookie.New(), spec);
        await client.UntilFinishedAsync(id.Value);

        var fields = File.ReadAllText(_state.JobFile(id.Value, "out")).TrimEnd('\n').Split('|');
        Assert.Equal(Environment.GetEnvironmentVariable("PATH"), fields[0]);
        Assert.Equal("/nonexistent", fields[1]);
        Assert.Equal(Environment.GetEnvironmentVariable("HOME") ?? "/", fields[2]); // the login's home, as under ssh
    }
}
