using System.Diagnostics;
using System.Text;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>
/// A running child process with stdout captured as raw bytes and stderr as text. Used for our
/// CLI and for helper programs (ssh, ssh-keygen). Stdin is a pipe, closed at start unless asked.
/// Disposing kills the process (and its descendants) if it is still running.
/// </summary>
public sealed class CliProcess : IAsyncDisposable
{
    /// <summary>How long to wait for the output pipes after exit (a leaked grandchild may hold them).</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(3);

    private readonly Process _process;
    private readonly OutputCapture _stdout;
    private readonly OutputCapture _stderr;
    private readonly string _description;

    private CliProcess(Process process, string description)
    {
        _process = process;
        _description = description;
        Pid = process.Id;
        _stdout = new OutputCapture(process.StandardOutput.BaseStream);
        _stderr = new OutputCapture(process.StandardError.BaseStream);
    }

    public int Pid { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Null while running; 128+N when killed by signal N.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public string StdoutText => Encoding.UTF8.GetString(_stdout.Snapshot());

    public string StderrText => Encoding.UTF8.GetString(_stderr.Snapshot());

    public static CliProcess Start(ProcessStartInfo startInfo, bool keepStdinOpen = false)
    {
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        var description = $"{startInfo.FileName} {string.Join(' ', startInfo.ArgumentList)}";
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {description}.");
        if (!keepStdinOpen)
        {
            process.StandardInput.Close();
        }

        return new CliProcess(process, description);
    }

    /// <summary>Starts, waits up to <paramref name="timeout"/> (then kills and throws) and returns the result.</summary>
    public static async Task<CliResult> RunAsync(ProcessStartInfo startInfo, TimeSpan timeout, CancellationToken ct = default)
    {
        await using var process = Start(startInfo);
        return await process.WaitForResultAsync(timeout, ct);
    }

    /// <summary>All stdout bytes received so far.</summary>
    public byte[] StdoutSnapshot() => _stdout.Snapshot();

    public int StdoutLength => _stdout.Length;

    /// <summary>Writes to stdin (only when started with keepStdinOpen).</summary>
    public async Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        await _process.StandardInput.BaseStream.WriteAsync(data, ct);
        await _process.StandardInput.BaseStream.FlushAsync(ct);
    }

    public void CloseStdin() => _process.StandardInput.Close();

    /// <summary>Waits for exit, then (bounded) for the output pipes to drain.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken ct = default)
    {
        await _process.WaitForExitAsync(ct);
        try
        {
            await Task.WhenAll(_stdout.Completion, _stderr.Completion).WaitAsync(DrainTimeout, ct);
        }
        catch (TimeoutException)
        {
            // A descendant still holds the pipe; what we have is all the caller gets.
        }

        return _process.ExitCode;
    }

    /// <summary>Waits up to <paramref name="timeout"/>; on timeout kills the process tree and throws.</summary>
    public async Task<CliResult> WaitForResultAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            var exitCode = await WaitForExitAsync(cts.Token);
            return new CliResult(exitCode, StdoutSnapshot(), StderrText);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Kill();
            throw new TimeoutException(
                $"{_description} did not exit within {timeout.TotalSeconds:0.#} s.\nstdout: {StdoutText}\nstderr: {StderrText}");
        }
    }

    /// <summary>Waits until stdout contains <paramref name="text"/> (UTF-8); throws on timeout or exit.</summary>
    public async Task WaitForStdoutAsync(string text, TimeSpan timeout, CancellationToken ct = default)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await _stdout.WaitUntilAsync(bytes => bytes.AsSpan().IndexOf(needle) >= 0, cts.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"No '{text}' on stdout of {_description} within {timeout}.\nstdout: {StdoutText}\nstderr: {StderrText}");
        }

        if (_stdout.Snapshot().AsSpan().IndexOf(needle) < 0)
        {
            throw new InvalidOperationException($"{_description} closed stdout without printing '{text}'.\nstdout: {StdoutText}\nstderr: {StderrText}");
        }
    }

    /// <summary>Sends a signal (SIGINT=2, SIGKILL=9...). False when the process is already gone.</summary>
    public bool Signal(int signal) => !_process.HasExited && PosixSignals.Send(Pid, signal);

    /// <summary>SIGKILLs the process and its descendants (if still running).</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                // Nothing more we can do; do not hang the test run.
            }
        }

        _process.Dispose();
    }

    public override string ToString() => $"{_description} (pid {Pid})";
}
