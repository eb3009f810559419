using System.Text;

namespace SessionKeeper.IntegrationTests.Infrastructure;

public sealed partial class SshdFixture
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private int _disposed;

    /// <summary>
    /// Stops the listener (SIGTERM) and starts a new one on the same port with the same keys.
    /// Like a real sshd restart, established connections survive unless
    /// <paramref name="dropConnections"/> is true (then their processes are SIGKILLed).
    /// </summary>
    public async Task RestartAsync(bool dropConnections = false, CancellationToken ct = default)
    {
        await StopListenerAsync(dropConnections, ct);
        await RelaunchOnSamePortAsync(ct);
    }

    /// <summary>
    /// Regenerates both host keys and restarts. <see cref="KnownHostsPath"/> keeps the old keys,
    /// so clients using it now see a changed host key; <see cref="CreateKnownHostsFile"/> gives the new ones.
    /// </summary>
    public async Task ReplaceHostKeyAsync(bool dropConnections = false, CancellationToken ct = default)
    {
        await StopListenerAsync(dropConnections, ct);
        await GenerateHostKeysAsync(ct);
        await RelaunchOnSamePortAsync(ct);
    }

    /// <summary>Writes a known_hosts file with the current host keys for "[127.0.0.1]:port" (default: <see cref="Port"/>).</summary>
    public string CreateKnownHostsFile(int? port = null)
    {
        var path = Path.Combine(TempDir, $"known_hosts.{Guid.NewGuid():N}");
        File.WriteAllText(path, KnownHostsText(port ?? Port));
        return path;
    }

    /// <summary>
    /// An ssh_config Host block: <paramref name="alias"/> reaches this sshd through
    /// <paramref name="proxy"/> as the fixture's user with its key, host keys checked against a
    /// known_hosts file for the proxy's port; <paramref name="extra"/> lines are added to it.
    /// </summary>
    public string HostBlockVia(string alias, FaultProxy proxy, string extra = "") => $"""
        Host {alias}
          HostName {proxy.Host}
          Port {proxy.Port}
          User {UserName}
          IdentityFile {UserKeyPath}
          IdentitiesOnly yes
          UserKnownHostsFile {CreateKnownHostsFile(proxy.Port)}
        {extra}
        """;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        var owned = CollectOwnedProcesses();
        if (_listener is { } listener)
        {
            listener.Signal(PosixSignals.SIGKILL);
            await listener.DisposeAsync();
            _listener = null;
        }

        KillAll(owned);
        KillAll(CollectOwnedProcesses());
        try
        {
            await Poll.UntilAsync(() => owned.All(o => !ProcFs.IsAlive(o.Key, o.Value)), StopTimeout, "fixture processes to die");
        }
        catch (TimeoutException)
        {
            // Deleting the directory is still worth trying.
        }

        try
        {
            Directory.Delete(TempDir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp dir is not worth failing a test run for.
        }
    }

    private string KnownHostsText(int port)
    {
        var text = new StringBuilder();
        foreach (var key in HostKeys)
        {
            text.Append(key.KnownHostsLine($"[{Host}]:{port}")).Append('\n');
        }

        return text.ToString();
    }

    private async Task StopListenerAsync(bool dropConnections, CancellationToken ct)
    {
        if (_listener is not { } listener)
        {
            return;
        }

        var connections = ProcFs.Descendants(listener.Pid, ProcFs.Snapshot())
            .Where(p => !p.IsZombie)
            .ToDictionary(p => p.Pid, p => p.StartTime);
        _retired.AddRange(connections.Select(c => (c.Key, c.Value)));
        listener.Signal(PosixSignals.SIGTERM);
        try
        {
            await listener.WaitForExitAsync(ct).WaitAsync(StopTimeout, ct);
        }
        catch (TimeoutException)
        {
            listener.Signal(PosixSignals.SIGKILL);
            await listener.WaitForExitAsync(ct);
        }

        await listener.DisposeAsync();
        _listener = null;
        if (dropConnections)
        {
            KillAll(connections);
        }
    }

    private async Task RelaunchOnSamePortAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + _options.StartTimeout;
        while (true)
        {
            try
            {
                await LaunchAsync(Port, ct);
                return;
            }
            catch (SshdBindException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }
        }
    }
}
