using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;
using SessionKeeper.Core.Failures;
using SessionKeeper.Ssh.Agent;
using SessionKeeper.Ssh.Auth;
using SessionKeeper.Ssh.HostKeys;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh;

internal sealed partial class SshConnector
{
    /// <summary>
    /// One authenticated connection to <paramref name="hop"/>, reached at <paramref name="address"/>
    /// (the host itself, or a local forward through <paramref name="via"/>). With
    /// StrictHostKeyChecking ask, an unknown key refuses the first attempt; once the user has
    /// accepted the key it is recorded and the hop connected again.
    /// </summary>
    private async Task<SshClient> ConnectHopAsync(SshTarget hop, string address, int port, SshTarget? via, CancellationToken cancellationToken)
    {
        var asked = false;
        while (true)
        {
            var check = default(HostKeyCheck);
            try
            {
                return await AttemptAsync(hop, address, port, c => check = c, cancellationToken);
            }
            catch (SessionKeeperException ex) when (check?.Pending is { } pending && !asked)
            {
                asked = true;
                if (!HostKeyQuestion.Confirm(pending, address == "127.0.0.1" && via is not null ? $"via {via.Label}" : address, _interaction))
                {
                    throw new SessionKeeperException(FailureKind.HostKeyRefused, $"host key verification failed: {ex.Message}", ex);
                }

                HostKeyCheck.Record(hop, pending.Lookup, pending.KeyType, pending.Blob, _interaction);
            }
            catch (SessionKeeperException ex) when (via is not null && ex.Kind is not (FailureKind.HostKeyRefused or FailureKind.AuthenticationFailed or FailureKind.InvalidInput))
            {
                throw new SessionKeeperException(FailureKind.Unreachable, $"{ex.Message.TrimEnd('.')} (through jump host {via.Label}).", ex);
            }
        }
    }

    private async Task<SshClient> AttemptAsync(SshTarget hop, string address, int port, Action<HostKeyCheck> observe, CancellationToken cancellationToken)
    {
        var database = LoadKnownHosts(hop);
        using var agent = hop.UseAgent ? SshAgentClient.TryConnect() : null;
        var keys = _keys.For(hop, agent);
        var methods = new List<AuthenticationMethod>();
        if (keys.Count > 0)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(hop.User, [.. keys]));
        }

        methods.AddRange(PasswordMethods.For(hop, _interaction));
        if (methods.Count == 0)
        {
            throw _keys.Skipped > 0
                ? new SessionKeeperException(FailureKind.AuthenticationFailed, $"no usable key for {hop.Label}: every key was skipped (see above).")
                : new SessionKeeperException(FailureKind.InvalidInput,
                    $"no key to offer to {hop.Label}: no identity file (pass -i KEYFILE or set IdentityFile) and no key in an ssh-agent (SSH_AUTH_SOCK).");
        }

        var interactive = hop.PasswordAuthentication && _interaction.CanPrompt && !hop.BatchMode;
        var info = new ConnectionInfo(address, port, hop.User, [.. methods])
        {
            // SSH.NET waits this long for each answer; keyboard-interactive answers come from a person.
            Timeout = interactive ? TimeSpan.FromMinutes(2) : hop.ConnectTimeout,
            ChannelCloseTimeout = TimeSpan.FromSeconds(2),
        };
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.LogDebug("connecting to {Target} at {Address}:{Port} as {User}; keys to offer: {Keys}", hop.Label, address, port, hop.User, keys.Count == 0 ? "none" : string.Join(", ", keys));
        }

        var check = new HostKeyCheck(hop, database, canAsk: !hop.BatchMode && _interaction.CanPrompt, _interaction);
        observe(check);
        ConfigureAlgorithms(info, hop, database, check);

        var client = new SshClient(info);
        client.HostKeyReceived += check.OnHostKeyReceived;
        using var deadline = new ConnectDeadline(hop.ConnectTimeout, cancellationToken);
        _interaction.Deadline = deadline;
        try
        {
            // SSH.NET does not honour the token during key exchange and authentication: the
            // deadline is ours (paused while the user types), and a connect that overruns it is
            // abandoned, then disposed.
            var connect = Task.Run(() => client.ConnectAsync(deadline.Token), CancellationToken.None);
            await connect.WaitAsync(deadline.Token);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.LogDebug("connected to {Target}: host key {HostKey}; {Cipher}, {Kex}; authenticated as {User}", hop.Label, check.Accepted, info.CurrentServerEncryption, info.CurrentKeyExchangeAlgorithm, hop.User);
            }

            return client;
        }
        catch (Exception ex)
        {
            _ = Task.Run(client.Dispose, CancellationToken.None);
            if (check.Refusal is { } refusal)
            {
                throw refusal;
            }

            if (ex is OperationCanceledException && deadline.Expired(cancellationToken))
            {
                throw new SessionKeeperException(FailureKind.Unreachable, $"cannot connect to {hop.Label}: no answer within {hop.ConnectTimeout.TotalSeconds:0.#} s (ConnectTimeout).", ex);
            }

            if (ex is OperationCanceledException)
            {
                throw;
            }

            if (ex is SshConnectionException { DisconnectReason: Renci.SshNet.Messages.Transport.DisconnectReason.HostKeyNotVerifiable })
            {
                throw new SessionKeeperException(FailureKind.HostKeyRefused, $"the host key of {hop.Label} was refused.", ex);
            }

            throw Classify(ex, hop.Label);
        }
        finally
        {
            _interaction.Deadline = null;
        }
    }

    /// <summary>
    /// Ciphers: AES-GCM first. Key exchange: KexAlgorithms when configured, else our order. Host
    /// keys: OpenSSH's order for what known_hosts holds about this host (<see cref="AlgorithmOrder.HostKeyAlgorithmsFor"/>).
    /// </summary>
    private static void ConfigureAlgorithms(ConnectionInfo info, SshTarget hop, KnownHostsDatabase database, HostKeyCheck check)
    {
        AlgorithmOrder.Reorder(info.Encryptions, AlgorithmOrder.Ciphers);
        if (hop.KexAlgorithms.Count > 0)
        {
            var supported = info.KeyExchangeAlgorithms.Keys.ToList();
            AlgorithmOrder.Restrict(info.KeyExchangeAlgorithms, hop.KexAlgorithms);
            if (info.KeyExchangeAlgorithms.Count == 0)
            {
                throw new SessionKeeperException(FailureKind.InvalidInput,
                    $"KexAlgorithms for {hop.Label} leaves nothing SessionKeeper supports ({string.Join(",", hop.KexAlgorithms)}); supported: {string.Join(",", supported)}.");
            }
        }
        else
        {
            AlgorithmOrder.Reorder(info.KeyExchangeAlgorithms, AlgorithmOrder.KeyExchange);
        }

        var (name, port) = hop.HostKeyAlias is { } alias ? (alias, 22) : (hop.Host, hop.Port);
        var knownTypes = database.KnownKeyTypesFor(name, port);
        // Certificates matter where a CA is trusted, or may be revoked (a certificate signed by a
        // revoked CA is refused, where its plain key alone would only be unknown).
        bool Marked(string host, int p, bool revokedToo) => database.EntriesFor(host, p).Any(e =>
            e.Marker == HostKeys.KnownHostsMarker.CertificateAuthority || (revokedToo && e.Marker == HostKeys.KnownHostsMarker.Revoked));
        var portless = hop.HostKeyAlias is null && port != 22;
        var authorities = database.CertificateAuthoritiesFor(name, port).Count > 0;
        var offer = Marked(name, port, true) || (portless && Marked(hop.Host, 22, true));
        var factories = info.HostKeyAlgorithms.ToDictionary(StringComparer.Ordinal);
        AlgorithmOrder.Restrict(info.HostKeyAlgorithms, AlgorithmOrder.HostKeyAlgorithmsFor(knownTypes, authorities, offer));
        foreach (var certificate in info.HostKeyAlgorithms.Keys.Where(k => k.EndsWith("-cert-v01@openssh.com", StringComparison.Ordinal)).ToList())
        {
            var plain = certificate[..^"-cert-v01@openssh.com".Length];
            info.HostKeyAlgorithms[certificate] = check.CertificateAlgorithm(certificate, factories[certificate], factories.GetValueOrDefault(plain));
        }
    }

    private static SessionKeeperException Classify(Exception ex, string label) =>
        ex is SshConnectionException && !ex.Message.Contains("auth", StringComparison.OrdinalIgnoreCase)
            ? new(FailureKind.Unreachable, $"cannot connect to {label}: {ex.Message.TrimEnd('.')}.", ex)
            : SshFailures.Classify(ex, label);

    private static KnownHostsDatabase LoadKnownHosts(SshTarget hop)
    {
        try
        {
            return KnownHostsDatabase.Load(hop.AllKnownHostsFiles);
        }
        catch (KnownHostsException ex)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"cannot read known_hosts file {ex.FilePath}: {ex.Message}", ex);
        }
    }
}
