using System.Diagnostics;

namespace SessionKeeper.IntegrationTests.Agent;

/// <summary>Runs OpenSSH's command-line tools (ssh-keygen, ssh-add) to completion, with a deadline.</summary>
internal static class AgentTestProcess
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        // Never let a tool prompt anyone: no askpass, no display.
        psi.Environment.Remove("SSH_ASKPASS");
        psi.Environment.Remove("DISPLAY");
        return psi;
    }

    /// <summary>Runs the tool with stdin closed; returns stdout, throws on a non-zero exit.</summary>
    public static async Task<string> RunAsync(ProcessStartInfo psi, CancellationToken cancellationToken = default)
    {
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {psi.FileName}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout;
        var errors = await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} exited with {process.ExitCode}: {errors.Trim()}");
        }

        return output;
    }

    public static Task<string> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        RunAsync(StartInfo(fileName, arguments), cancellationToken);
}
