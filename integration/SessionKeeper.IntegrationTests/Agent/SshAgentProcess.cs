using System.Diagnostics;
using SessionKeeper.Ssh.Agent;

namespace SessionKeeper.IntegrationTests.Agent;

/// <summary>
/// A real OpenSSH ssh-agent in the foreground (<c>ssh-agent -D -a SOCKET</c>), owned by the test:
/// disposing kills it by its process id.
/// </summary>
internal sealed class SshAgentProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(10);
    private readonly Process _process;

    private SshAgentProcess(Process process, string socketPath)
    {
        _process = process;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static async Task<SshAgentProcess> StartAsync(string directory, CancellationToken cancellationToken = default)
    {
        var socketPath = Path.Combine(directory, "agent.sock");
        var psi = AgentTestProcess.StartInfo("ssh-agent", ["-D", "-a", socketPath]);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start ssh-agent");
        process.StandardInput.Close();
        // -D prints the usual "SSH_AUTH_SOCK=...; echo Agent pid N;" lines: drain them.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var agent = new SshAgentProcess(process, socketPath);
        try
        {
            var deadline = DateTime.UtcNow + StartDeadline;
            while (true)
            {
                using (var probe = SshAgentClient.TryConnect(socketPath))
                {
                    if (probe is not null)
                    {
                        return agent;
                    }
                }

                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"ssh-agent did not listen on {socketPath} (exited: {process.HasExited})");
                }

                await Task.Delay(20, cancellationToken);
            }
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>ssh-add KEY: adds the key, and the certificate KEY-cert.pub when there is one.</summary>
    public async Task AddAsync(string privateKeyPath, CancellationToken cancellationToken = default)
    {
        var psi = AgentTestProcess.StartInfo("ssh-add", [privateKeyPath]);
        psi.Environment["SSH_AUTH_SOCK"] = SocketPath;
        await AgentTestProcess.RunAsync(psi, cancellationToken);
    }

    public SshAgentClient Connect() =>
        SshAgentClient.TryConnect(SocketPath) ?? throw new InvalidOperationException($"no agent at {SocketPath}");

    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
