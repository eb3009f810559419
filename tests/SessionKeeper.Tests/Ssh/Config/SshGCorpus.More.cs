namespace SessionKeeper.Tests.Ssh.Config;

internal static partial class SshGCorpus
{
    private static IEnumerable<CorpusEntry> More =>
    [
        new("strict-and-flags", [F("cfg/strict-and-flags.conf", """
            Host s-true
              StrictHostKeyChecking true
            Host s-false
              StrictHostKeyChecking FALSE
            Host s-off
              StrictHostKeyChecking off
            Host s-ask
              StrictHostKeyChecking ask
            Host s-new
              StrictHostKeyChecking accept-new
              HashKnownHosts true
              IdentitiesOnly YES
            Host s-*
              StrictHostKeyChecking yes
              HashKnownHosts no
              IdentitiesOnly no
            """)], ["s-true", "s-false", "s-off", "s-ask", "s-new", "s-other"], [CommandLineVariant.Plain]),

        new("server-alive", [F("cfg/server-alive.conf", """
            Host a-long
              ServerAliveInterval 1h2m3s
            Host a-none
              ServerAliveInterval none
              ConnectTimeout none
            Host a-batch
              BatchMode yes
            Host a-alias
              SetupTimeOut 45
            Host a-zero
              ServerAliveInterval 0
              ServerAliveCountMax 0
              ConnectTimeout 0
            Host *
              ServerAliveInterval 40
              ConnectTimeout 5s
            """)], ["a-long", "a-none", "a-batch", "a-alias", "a-zero", "other"],
            [CommandLineVariant.Plain, O("-o BatchMode", "BatchMode=yes")]),

        new("tokens", [F("cfg/tokens.conf", """
            Host tok-*
              HostName %h.Tokens.Example
              User tokuser
              HostKeyAlias Alias-%h
              IdentityFile ~/.ssh/id_%h_%p_%r_%u
              IdentityFile %d/.ssh/%n_%L_%l
              IdentityFile ~/.ssh/%C
              IdentityFile ~/.ssh/k_%k_%i_%%
              IdentityFile ${HOME}/env_key
              CertificateFile ~/.ssh/cert_%h-cert.pub
              UserKnownHostsFile ~/.ssh/known_%k %d/kh_%n_%h_%p ${HOME}/kh_env
            Host plain-*
              IdentityFile ~root/.ssh/rootkey
              UserKnownHostsFile ~/kh/%r@%h:%p
            """)], ["tok-a", "TOK-B", "plain-1"], Basic),

        new("kex", [F("cfg/kex.conf", """
            Host k-plus
              KexAlgorithms +diffie-hellman-group14-sha1
            Host k-minus
              KexAlgorithms -sntrup*,ecdh-sha2-*
            Host k-caret
              KexAlgorithms ^curve25519-sha256,diffie-hellman-group14-sha1
            Host k-explicit
              KexAlgorithms curve25519-sha256,ecdh-sha2-nistp256,curve25519-sha256
            """)], ["k-plus", "k-minus", "k-caret", "k-explicit", "k-unset"],
            [CommandLineVariant.Plain, O("-o kex", "KexAlgorithms=curve25519-sha256")]),

        new("ignored-keywords", [F("cfg/ignored-keywords.conf", """
            IgnoreUnknown usekeychain,foo*
            UseKeychain yes
            FooBar 1 2 3
            Protocol 2
            UseRoaming no
            GSSAPIAuthentication yes
            GSSAPIKeyExchange yes
            Ciphers aes128-ctr
            SendEnv LANG LC_*
            SetEnv FOO=bar
            LocalForward 8080 localhost:80
            ForwardAgent yes
            CompressionLevel 6
            AddKeysToAgent confirm 5m
            IPQoS af21 cs1
            Host *
              User ignored-test
            """)], ["h1"], [CommandLineVariant.Plain]),

        new("addresses-and-case", [F("cfg/addresses-and-case.conf", """
            Host *.EXAMPLE.com
              User upper-pattern
            Host *.example.com
              User lower-pattern
            Host 10.0.0.*
              User ten
            Host num
              HostName 127.1
            Host v6
              HostName ::0001
            Match host web.example.com
              Port 2600
            """)], ["web.EXAMPLE.com", "web.example.com", "WEB.EXAMPLE.COM", "10.0.0.7", "num", "v6"], [CommandLineVariant.Plain]),

        new("include-nested-and-modes", [
            F("cfg/include-nested-and-modes.conf", "Include l1.conf\nHost *\n  Port 2400\n"),
            F(".ssh/l1.conf", "Include l2.conf\n"),
            F(".ssh/l2.conf", "Include l3.conf\n"),
            F(".ssh/l3.conf", "Include l4.conf\n"),
            new(".ssh/l4.conf", "Host deep\n  User deepuser\n",
                CorpusFile.ReadWriteReadRead | UnixFileMode.GroupWrite),
        ], ["deep", "shallow"], [CommandLineVariant.Plain])
        {
            // Group-writable is fine for a user-private group only (Debian): the verdict depends on the machine.
            SshRefuses = null,
        },
    ];

    /// <summary>Configs OpenSSH refuses: ssh -G exits non-zero, the resolver must throw.</summary>
    private static IEnumerable<CorpusEntry> Rejected =>
    [
        new("bad-keyword", [F("cfg/bad-keyword.conf", "Host other\n  Bogus yes\n")], ["h1"], [CommandLineVariant.Plain]),
        new("bad-value-inactive", [F("cfg/bad-value-inactive.conf", "Host never\n  Port notaport\n")], ["h1"], [CommandLineVariant.Plain]),
        new("unclosed-quote", [F("cfg/unclosed-quote.conf", "User \"alice\n")], ["h1"], [CommandLineVariant.Plain]),
        new("none-not-alone", [F("cfg/none-not-alone.conf", "UserKnownHostsFile none ~/kh\n")], ["h1"], [CommandLineVariant.Plain]),
        new("match-all-combined", [F("cfg/match-all-combined.conf", "Match host a user b all\n  User x\n")], ["h1"], [CommandLineVariant.Plain]),
        new("include-cycle", [F("cfg/include-cycle.conf", "Include ~/.ssh/cycle.conf\n"), F(".ssh/cycle.conf", "Include cycle.conf\n")],
            ["h1"], [CommandLineVariant.Plain]),
        new("hostname-token", [F("cfg/hostname-token.conf", "HostName %r.example.com\n")], ["h1"], [CommandLineVariant.Plain]),
        new("world-writable-include", [F("cfg/world-writable-include.conf", "Include ww.conf\n"),
            new(".ssh/ww.conf", "User ww\n", CorpusFile.ReadWriteReadRead | UnixFileMode.OtherWrite)], ["h1"], [CommandLineVariant.Plain]),
        new("jump-loop", [F("cfg/jump-loop.conf", "Host loop\n  ProxyJump loop\n")], ["loop"], [CommandLineVariant.Plain]),
        new("bad-override", [F("cfg/bad-override.conf", "User x\n")], ["h1"],
            [O("-o Host", "Host=foo"), O("-o bad port", "Port=0"), O("-o bad time", "ConnectTimeout=5x")]),
        new("missing-argument", [F("cfg/missing-argument.conf", "Host *\n  IdentityFile\n")], ["h1"], [CommandLineVariant.Plain]),
        new("match-unknown", [F("cfg/match-unknown.conf", "Match hots x\n")], ["h1"], [CommandLineVariant.Plain]),
    ];
}
