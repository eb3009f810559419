namespace SessionKeeper.Tests.Ssh.Config;

internal static partial class SshGCorpus
{
    private static IEnumerable<CorpusEntry> Edges =>
    [
        new("syntax-edges", [F("cfg/syntax-edges.conf",
            "\"Host\" quoted-keyword\r\n"
            + "  User a\\\"b\r\n"
            + "   \r\n"
            + "#\n"
            + "  IdentityFile=\"~/.ssh/q=eq\"\n"
            + "  HostName 'it''s'\n"
            + "Host odd\n"
            + "  User==eq\n"
            + "  HostKeyAlias \"\"x\"\"\n"
            + "Match host quoted-keyword # a comment after the criteria\n"
            + "  Port 2345\n"
            + "Match all # comment\n"
            + "  ServerAliveCountMax 4\n")], ["quoted-keyword", "odd"], [CommandLineVariant.Plain]),

        new("canonicalize", [F("cfg/canonicalize.conf", """
            CanonicalizeHostname yes
            Host alias
              HostName Target.Example.com
            Host target.example.com
              User canon-user
            Match canonical
              Port 2500
            """)], ["alias", "target.example.com", "other"], [CommandLineVariant.Plain]),

        new("proxyjump-edges", [F("cfg/proxyjump-edges.conf", """
            Host none-comment
              ProxyJump none # not the whole value
            Host space
              ProxyJump first second
            Host none-then-command
              ProxyJump none
              ProxyCommand nc %h %p
            Host uri-user
              ProxyJump ssh://us%65r@Jump.Host.:2022/
            Host extra-uri
              ProxyJump ssh://a@j1,b@j2:2200
            """)], ["none-comment", "space", "none-then-command", "uri-user", "extra-uri"],
            [CommandLineVariant.Plain, O("-o ProxyJump none", "ProxyJump=none")]),

        new("include-depth-16", DepthChain("include-depth-16", 16), ["h1"], [CommandLineVariant.Plain]),

        new("include-odd-paths", [
            F("cfg/include-odd-paths.conf", "Include \"with space/*.conf\" conf.d/*\nHost *\n  User odd-main\n"),
            F(".ssh/with space/a.conf", "Port 2700\n"),
            F(".ssh/conf.d/dir.conf/inner", "User inner\n"),
            F(".ssh/conf.d/b", "IdentityFile ~/.ssh/from_b\n"),
        ], ["h1"], [CommandLineVariant.Plain]),

        new("expansion-fails-at-connect", [F("cfg/expansion-fails-at-connect.conf", """
            Host missing-var
              IdentityFile ${SK_TEST_SURELY_UNSET}/key
            Host bad-token
              CertificateFile ~/.ssh/%z
            Host no-user
              IdentityFile ~sk-no-such-user/key
            """)], ["missing-var", "bad-token", "no-user", "fine"], [CommandLineVariant.Plain]),
    ];

    private static IEnumerable<CorpusEntry> RejectedEdges =>
    [
        new("include-depth-17", DepthChain("include-depth-17", 17), ["h1"], [CommandLineVariant.Plain]),
        new("ignore-unknown-too-late", [F("cfg/ignore-unknown-too-late.conf", "Foo 1\nIgnoreUnknown foo\n")], ["h1"], [CommandLineVariant.Plain]),
        new("uri-with-address", [F("cfg/uri-with-address.conf", "ProxyJump ssh://u@[::1]:2022\n")], ["h1"], [CommandLineVariant.Plain]),
        new("bad-kex", [F("cfg/bad-kex.conf", "KexAlgorithms curve25519-sha256,no-such-kex\n")], ["h1"], [CommandLineVariant.Plain]),
        new("known-hosts-missing-var", [F("cfg/known-hosts-missing-var.conf", "UserKnownHostsFile ${SK_TEST_SURELY_UNSET}/kh\n")],
            ["h1"], [CommandLineVariant.Plain]),
        new("no-value", [F("cfg/no-value.conf", "User=\n")], ["h1"], [CommandLineVariant.Plain]),
        new("command-line-names", [F("cfg/command-line-names.conf", "User fine\n")], ["h1", "bad;host", "-dash", "two words", "a,b"],
            [
                CommandLineVariant.Plain, new("-l bad", [], "x;y"), O("-o User bad", "User=a|b"),
                O("-o ProxyJump bad host", "ProxyJump=a;b"), O("-o ProxyJump bad user", "ProxyJump=x(y@b"),
            ]),
    ];

    /// <summary>A chain of Includes <paramref name="depth"/> levels deep below the main file.</summary>
    private static CorpusFile[] DepthChain(string name, int depth) =>
    [
        F($"cfg/{name}.conf", "Include level1.conf\n"),
        .. Enumerable.Range(1, depth).Select(i => F($".ssh/level{i}.conf",
            i < depth ? $"Include level{i + 1}.conf\n" : "User deepest\n")),
    ];
}
