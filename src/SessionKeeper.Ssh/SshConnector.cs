using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Renci.SshNet;
using Renci.SshNet.Common;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh.HostKeys;

namespace SessionKeeper.Ssh;

/// <summary>Opens SSH.NET connections to one target, with host-key checking and a hard deadline.</summary>
public sealed class SshConnector(SshTarget target, ILoggerFactory? loggerFactory = null) : IRemoteConnector
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SshConnector>();

    public string HostLabel => target.Label;

    public SshTarget Target => target;

    public async Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var database = LoadKnownHosts();
        var keys = LoadKeys();
        var info = new ConnectionInfo(target.Host, target.Port, target.User, new PrivateKeyAuthenticationMethod(target.User, [.. keys]))
        {
            Timeout = target.ConnectTimeout,
            ChannelCloseTimeout = TimeSpan.FromSeconds(2),
        };
        AlgorithmOrder.Reorder(info.Encryptions, AlgorithmOrder.Ciphers);
        AlgorithmOrder.Reorder(info.KeyExchangeAlgorithms, AlgorithmOrder.KeyExchange);
        AlgorithmOrder.Reorder(info.HostKeyAlgorithms, AlgorithmOrder.HostKeyAlgorithmsFor(database.KnownKeyTypesFor(target.Host, target.Port)));

        var check = new HostKeyCheck(target, database);
        var client = new SshClient(info);
        client.HostKeyReceived += check.OnHostKeyReceived;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(target.ConnectTimeout);
        try
        {
            // SSH.NET does not honour the token during key exchange and authentication: the
            // deadline is ours, and a connect that overruns it is abandoned, then disposed.
            var connect = Task.Run(() => client.ConnectAsync(deadline.Token), CancellationToken.None);
            await connect.WaitAsync(deadline.Token);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.LogDebug("connected to {Target} ({Cipher}, {Kex})", target.Label, info.CurrentServerEncryption, info.CurrentKeyExchangeAlgorithm);
            }
            return new SshRemoteSession(client, target.Label);
        }
        catch (Exception ex)
        {
            _ = Task.Run(client.Dispose, CancellationToken.None);
            if (check.Refusal is { } refusal)
            {
                throw refusal;
            }

            if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new SessionKeeperException(FailureKind.Unreachable, $"cannot connect to {target.Label}: no answer within {target.ConnectTimeout.TotalSeconds:0.#} s (--connect-timeout).", ex);
            }

            if (ex is OperationCanceledException)
            {
                throw;
            }

            if (ex is SshConnectionException { DisconnectReason: Renci.SshNet.Messages.Transport.DisconnectReason.HostKeyNotVerifiable })
            {
                throw new SessionKeeperException(FailureKind.HostKeyRefused, $"the host key of {target.Label} was refused.", ex);
            }

            throw Classify(ex);
        }
    }

    private SessionKeeperException Classify(Exception ex) =>
        ex is SshConnectionException && !ex.Message.Contains("auth", StringComparison.OrdinalIgnoreCase)
            ? new(FailureKind.Unreachable, $"cannot connect to {target.Label}: {ex.Message.TrimEnd('.')}.", ex)
            : SshFailures.Classify(ex, target.Label);

    private KnownHostsDatabase LoadKnownHosts()
    {
        try
        {
            return KnownHostsDatabase.Load(target.KnownHostsFiles);
        }
        catch (KnownHostsException ex)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"cannot read known_hosts file {ex.FilePath}: {ex.Message}", ex);
        }
    }

    private List<IPrivateKeySource> LoadKeys()
    {
        var keys = new List<IPrivateKeySource>();
        foreach (var path in target.IdentityFiles)
        {
            try
            {
                keys.Add(new PrivateKeyFile(path));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SshException or ArgumentException)
            {
                throw new SessionKeeperException(
                    FailureKind.InvalidInput,
                    ex is SshPassPhraseNullOrEmptyException
                        ? $"identity file {path} is encrypted; passphrases are not supported yet, use an unencrypted key."
                        : $"cannot use identity file {path}: {ex.Message.TrimEnd('.')}.",
                    ex);
            }
        }

        if (keys.Count == 0)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"no identity file to authenticate to {target.Label}: pass -i KEYFILE or create ~/.ssh/id_ed25519.");
        }

        return keys;
    }
}
