namespace SessionKeeper.Tests.Ssh.Config;

/// <summary>
/// The differential corpus: config files crossed with hosts and command lines, each resolved by
/// the real <c>ssh -G</c> and by SshConfigResolver. Entries whose config OpenSSH rejects are in
/// <see cref="SshGCorpus.Rejected"/>; both sides must then fail.
/// </summary>
internal static partial class SshGCorpus
{
    private static readonly CommandLineVariant[] Basic = [CommandLineVariant.Plain, CommandLineVariant.UserAndPort];

    public static IEnumerable<CorpusEntry> All =>
        Accepted.Concat(More).Concat(Edges)
            .Concat(Rejected.Concat(RejectedEdges).Select(e => e with { SshRefuses = e.Name == "command-line-names" ? null : true }));

    private static CorpusFile F(string path, string content) => new(path, content);

    private static CommandLineVariant O(string name, params string[] overrides) => new(name, overrides);

    private static IEnumerable<CorpusEntry> Accepted =>
    [
        new("defaults", [F("cfg/defaults.conf", "# nothing set: every value is a default\n")],
            ["web1", "Web1.Example.COM", "10.0.0.5", "127.1", "::0001", "0x7f.1", "10.010.1.1", "1.2.3", "0:0:0:0:0:0:0:1",
                "::1.2.3.4", "::ffff:10.0.0.1", "2001:DB8::1", "fe80::1%lo", "4294967295", "1.2.3.4.5", "0X7F.1"], Basic),

        new("first-wins", [F("cfg/first-wins.conf", """
            # The first obtained value wins; IdentityFile accumulates without duplicates.
            Host web*
              User webuser
              Port 2201
              IdentityFile ~/.ssh/web_%h
            Host *
              User fallback
              Port 2299
              IdentityFile ~/.ssh/common
              IdentityFile ~/.ssh/web_%h
              ServerAliveInterval 30
            """)], ["web1", "db1", "WEB1"], [.. Basic, O("-o user/port", "User=ouser", "Port=3000")]),

        new("host-negation", [F("cfg/host-negation.conf", """
            Host *.prod.example.com !db*.prod.example.com bastion
              User produser
              StrictHostKeyChecking yes
            Host db? db?.prod.example.com
              User dba
              StrictHostKeyChecking accept-new
            Host !*.example.com
              HashKnownHosts yes
            Host * !nothing
              StrictHostKeyChecking no
            """)], ["web.prod.example.com", "db1.prod.example.com", "db1", "bastion", "other.example.org", "DB1.PROD.EXAMPLE.COM"], Basic),

        new("syntax", [F("cfg/syntax.conf",
            "# Case-insensitive keywords, '=' forms, quotes, escapes and comments.\n"
            + "HOST=alias1 \"alias two\"   # trailing comment\n"
            + "\thostname\t=\treal.%h.Example.COM\n"
            + "  USER = \"quoted user\"\n"
            + "  port=2222\r\n"
            + "  IdentityFile \"~/.ssh/key with space\"\n"
            + "  IdentityFile ~/.ssh/escaped\\ space\n"
            + "  ConnectTimeout=1m30s \f\n"
            + "  ServerAliveCountMax \"5\"\n"
            + "Host alias3\n"
            + "  hostname 'single.quoted'\n"
            + "  IdentityFile \"~/.ssh/a#b\"\n"
            + "  user a#b\n"
            + "  identityfile2 ~/.ssh/legacy\n"
            + "Host \"alias4\"\n"
            + "  HostName \"%%percent%h\"\n"
            + "  Port ssh\n")], ["alias1", "alias3", "alias4", "ALIAS1"], Basic),

        new("include-glob", [
            F("cfg/include-glob.conf", """
                Include conf.d/*.conf
                Include ~/.ssh/extra/?.conf
                Include /nonexistent/*.conf
                Host *
                  User mainuser
                """),
            F(".ssh/conf.d/10-web.conf", "Host web*\n  User incweb\n  Port 2010\n"),
            F(".ssh/conf.d/20-db.conf", "Host db*\n  User incdb\n"),
            F(".ssh/conf.d/.hidden.conf", "User hidden\n"),
            F(".ssh/conf.d/notconf.txt", "User txt\n"),
            F(".ssh/extra/a.conf", "IdentityFile ~/.ssh/from_a\n"),
            F(".ssh/extra/bb.conf", "IdentityFile ~/.ssh/from_bb\n"),
        ], ["web1", "db1", "other"], Basic),

        new("include-in-blocks", [
            F("cfg/include-in-blocks.conf", """
                Host web*
                  Include web.conf
                Host db*
                  Include db.conf
                  Port 3306
                Host *
                  User default-user
                  Include sub/*.conf
                """),
            F(".ssh/web.conf", "User from-web-include\nHost *.example.com\n  Port 2200\n"),
            F(".ssh/db.conf", "Host *\n  HostKeyAlias DB-Alias\nMatch all\n  ServerAliveCountMax 9\n"),
            F(".ssh/sub/one.conf", "Include ~/.ssh/sub/two.inc\n"),
            F(".ssh/sub/two.inc", "IdentityFile ~/.ssh/nested_%r\n"),
        ], ["web1", "web1.example.com", "db1", "other"], Basic),

        new("match", [F("cfg/match.conf", """
            Match host *.internal user deploy
              Port 2022
            Match originalhost short !user root
              HostName short.internal
              User deploy
            Match localuser root,nobody host short.internal
              IdentityFile ~/.ssh/local_%u
            Match all
              ServerAliveInterval 15
            Match !host foo*,bar
              ServerAliveCountMax 7
            Match host x all
              HashKnownHosts yes
            Match user cli*
              IdentitiesOnly yes
            """)], ["short", "SHORT", "foo1", "x", "box.internal"], [.. Basic, new("-l deploy", [], "deploy")]),

        new("match-final", [F("cfg/match-final.conf", """
            Host alias
              HostName Real.Example.COM
            Match final host real.example.com
              User final-user
            Match canonical
              Port 2300
            Host real.example.com
              IdentityFile ~/.ssh/real_in_final
            Match !final
              ConnectTimeout 11
            Match final
              ConnectTimeout 22
              HostName ignored.example.com
            """)], ["alias", "real.example.com", "other"], Basic),

        new("proxyjump", [F("cfg/proxyjump.conf", """
            Host t-single
              ProxyJump alice@bastion.example.com:2222
            Host t-chain
              ProxyJump ssh://bob@jump1:2200,carol@jump2,[2001:db8::1]:23
            Host t-numeric
              ProxyJump 10.0.0.1
            Host t-none
              ProxyJump none
            Host t-cmd-none
              ProxyCommand none
              ProxyJump ignored-jump
            Host t-comment
              ProxyJump j1,j2   # comment, with comma
            Host t-proxycommand
              ProxyCommand nc %h %p
              ProxyJump not-used
            Host t-*
              ProxyJump default-jump
            """)], ["t-single", "t-chain", "t-numeric", "t-none", "t-cmd-none", "t-comment", "t-proxycommand", "t-other"],
            [.. Basic, O("-o ProxyJump", "ProxyJump=override@oj:2201")]),

        new("overrides-and-none", [F("cfg/overrides-and-none.conf", """
            Host *
              User cfguser
              Port 2200
              IdentityFile ~/.ssh/cfg_key
              UserKnownHostsFile ~/.ssh/kh_%h %d/kh2
              GlobalKnownHostsFile /etc/ssh/custom_known_hosts ~/global
              ConnectTimeout 10
              StrictHostKeyChecking accept-new
              CertificateFile ~/.ssh/cfg-cert.pub
            """)], ["web1"],
            [
                CommandLineVariant.Plain, CommandLineVariant.UserAndPort,
                O("-o user/port", "User=ouser", "Port=3000"),
                O("-o identity", "IdentityFile=~/.ssh/o_key", "CertificateFile ~/.ssh/o-cert.pub"),
                O("-o known-hosts none", "UserKnownHostsFile=none", "GlobalKnownHostsFile none"),
                O("-o timeout none", "ConnectTimeout=none"),
                O("-o strict off", "StrictHostKeyChecking=off", "HashKnownHosts=yes"),
                O("-o identity none", "IdentityFile none"),
            ]),
    ];
}
