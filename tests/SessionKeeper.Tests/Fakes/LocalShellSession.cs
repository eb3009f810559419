using System.Diagnostics;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Tests.Fakes;

/// <summary>
/// Runs the runner payload with a local POSIX shell instead of over SSH, so the runner's logic can
/// be tested on dash, bash and BusyBox ash without a network. Not a stand-in for SSH in
/// integration tests.
/// </summary>
public sealed class LocalShellSession : IRemoteSession
{
    private readonly string[] _interpreter;
    private readonly string _stateHome;
    private readonly CancellationTokenSource _lost = new();

    public LocalShellSession(string stateHome, params string[] interpreter)
    {
        _stateHome = stateHome;
        _interpreter = interpreter.Length == 0 ? ["/bin/sh"] : interpreter;
    }

    public string HostLabel => "local";

    public CancellationToken Lost => _lost.Token;

    /// <summary>The shell that runs wrappers and job preludes (an argv[0]-dispatched BusyBox needs a path).</summary>
    public string? InterpreterPath { get; init; }

    /// <summary>Keep a stream's stdin open for credit lines, as the SSH session does.</summary>
    public bool KeepStreamInput { get; init; }

    public bool CanSendToStreams => KeepStreamInput;

    /// <summary>"posix": SK_TIER in the runner's environment keeps the stream helper in sh (null: the runner picks).</summary>
    public string? Tier { get; init; }

    /// <summary>More variables for the runner's environment (test hooks such as a fake root).</summary>
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; init; } = new Dictionary<string, string>();

    public async Task<byte[]> ExecAsync(byte[] stdin, CancellationToken cancellationToken = default)
    {
        using var process = Start();
        await process.StandardInput.BaseStream.WriteAsync(stdin, cancellationToken);
        process.StandardInput.Close();
        using var buffer = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(buffer, cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return buffer.ToArray();
    }

    public Task<IRemoteOutput> OpenStreamAsync(byte[] stdin, CancellationToken cancellationToken = default)
    {
        var process = Start();
        process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.BaseStream.Flush();
        if (!KeepStreamInput)
        {
            process.StandardInput.Close();
        }

        return Task.FromResult<IRemoteOutput>(new ProcessOutput(process));
    }

    public void Abort() => _lost.Cancel();

    public ValueTask DisposeAsync()
    {
        _lost.Dispose();
        return ValueTask.CompletedTask;
    }

    private Process Start()
    {
        // As sshd starts a session's command: every signal at its default. A test host started from
        // a background job or under nohup would otherwise hand its ignored SIGINT, SIGQUIT or SIGHUP on.
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--default-signal");
        foreach (var arg in _interpreter)
        {
            info.ArgumentList.Add(arg);
        }

        info.ArgumentList.Add("-s");
        info.Environment["XDG_STATE_HOME"] = _stateHome;
        info.Environment["SESSIONKEEPER_INTERP"] = InterpreterPath ?? _interpreter[0];
        if (Tier is { } tier)
        {
            info.Environment["SK_TIER"] = tier;
        }

        foreach (var (name, value) in ExtraEnvironment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("cannot start " + _interpreter[0]);
    }

    private sealed class ProcessOutput(Process process) : IRemoteOutput
    {
        public Stream Output => process.StandardOutput.BaseStream;

        public void Send(ReadOnlySpan<byte> bytes)
        {
            process.StandardInput.BaseStream.Write(bytes);
            process.StandardInput.BaseStream.Flush();
        }

        public void CloseInput() => process.StandardInput.Close();

        public void Dispose()
        {
            try
            {
                // As a closed channel ends what the session started: a helper's children (a sleep,
                // a reader) hold the pipe too, and a read blocked on it must end.
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }
    }
}
