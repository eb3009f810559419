using SessionKeeper.Tests.Fakes;
namespace SessionKeeper.Tests.Ssh.Config;

/// <summary>
/// Builds random but reproducible configs (a seeded <see cref="Random"/>) from a pool of Host,
/// Match, Include and keyword lines with awkward values, to find disagreements nobody thought of.
/// </summary>
internal static class RandomConfigGenerator
{
    private static readonly string[] Patterns = ["*", "web*", "!web2", "db?", "*.example.com", "web1 db1", "!*.example.com *", "h1", "WEB1"];
    private static readonly string[] Users = ["alice", "bob", "%u", "deploy", "\"x y\""];
    private static readonly string[] HostNames = ["real.example.com", "%h.internal", "10.0.0.9", "Mixed.Case.ORG", "%h", "%%h", "127.1"];
    private static readonly string[] Ports = ["22", "2200", "ssh", "65535"];
    private static readonly string[] Paths = ["~/.ssh/k_%h", "%d/x_%r", "~/.ssh/id_%p_%n", "none", "\"~/.ssh/sp ace\"", "${HOME}/e_%C", "~/k_%k"];
    private static readonly string[] Flags = ["yes", "no", "true", "false"];
    private static readonly string[] Strict = ["yes", "no", "ask", "accept-new", "off", "true", "false"];
    private static readonly string[] Times = ["none", "0", "10", "1m", "2h3s"];
    private static readonly string[] Counts = ["0", "3", "10"];
    private static readonly string[] HostFiles = ["~/.ssh/kh_%h", "none", "%d/a %d/b_%p", "/etc/ssh/g1 /etc/ssh/g2"];
    private static readonly string[] Aliases = ["Alias1", "%h", "KEY.alias"];
    private static readonly string[] Jumps = ["none", "j1", "u@j1:2222", "j1,j2", "ssh://u@j3:22", "10.0.0.1", "h1"];
    private static readonly string[] Kex = ["curve25519-sha256", "+diffie-hellman-group14-sha1", "-ecdh-*", "^curve25519-sha256,ecdh-sha2-nistp256"];
    private static readonly string[] Includes = ["inc/*.conf", "inc/a.conf", "~/.ssh/inc/b.conf", "inc/missing*.conf"];

    private static readonly Func<Random, string>[] Lines =
    [
        r => $"Host {Pick(r, Patterns)}",
        r => $"Host {Pick(r, Patterns)}",
        r => $"Match host {Pick(r, Patterns).Replace(' ', ',')}",
        r => $"Match originalhost {Pick(r, Patterns).Replace(' ', ',')}",
        r => $"Match user {Pick(r, ["alice", "bob", "root", "cli*", "deploy"])}",
        r => Pick(r, ["Match all", "Match final", "Match canonical", "Match !final host *.internal", "Match localuser root !host db*"]),
        r => $"User {Pick(r, Users)}",
        r => $"HostName {Pick(r, HostNames)}",
        r => $"Port {Pick(r, Ports)}",
        r => $"IdentityFile {Pick(r, Paths)}",
        r => $"CertificateFile {Pick(r, Paths)}",
        r => $"IdentitiesOnly {Pick(r, Flags)}",
        r => $"HashKnownHosts {Pick(r, Flags)}",
        r => $"BatchMode {Pick(r, Flags)}",
        r => $"StrictHostKeyChecking {Pick(r, Strict)}",
        r => $"ServerAliveInterval {Pick(r, Times)}",
        r => $"ServerAliveCountMax {Pick(r, Counts)}",
        r => $"ConnectTimeout {Pick(r, Times)}",
        r => $"UserKnownHostsFile {Pick(r, HostFiles)}",
        r => $"GlobalKnownHostsFile {Pick(r, HostFiles)}",
        r => $"HostKeyAlias {Pick(r, Aliases)}",
        r => $"ProxyJump {Pick(r, Jumps)}",
        r => $"ProxyCommand {Pick(r, ["none", "nc %h %p"])}",
        r => $"KexAlgorithms {Pick(r, Kex)}",
        r => $"Include {Pick(r, Includes)}",
        r => Pick(r, ["user=alice", "PORT = 2201", "HostName \"%h.quoted\"", "IdentityFile ~/.ssh/a # comment", "HOST=h1 web*",
            "ProxyJump first second", "ProxyJump none # x", "IgnoreUnknown usekeychain", "UseKeychain yes", "SetupTimeOut 9",
            "ServerAliveCountMax \"4\"", "CanonicalizeHostname yes", "Match host *.internal user deploy,alice",
            "Match !originalhost web* !user bob", "# just a comment", "", "Host \"web1\"", "CertificateFile none"]),
    ];

    /// <summary>Lines OpenSSH refuses (at parse time, or when it expands the value to connect).</summary>
    private static readonly string[] BadLines =
    [
        "Port 0", "Bogus 1", "StrictHostKeyChecking maybe", "HostName %z.example", "UserKnownHostsFile ${SK_TEST_UNSET_X}/kh",
        "IdentityFile ${SK_TEST_UNSET_X}/k", "CertificateFile ~/%z", "User \"unterminated", "Match host", "KexAlgorithms nope",
        "ConnectTimeout 5x", "GlobalKnownHostsFile none /etc/x", "ProxyJump a,",
    ];

    public static CorpusEntry Generate(int seed)
    {
        var random = TestSeed.Random(seed);
        var name = $"random-{seed}";
        return new CorpusEntry(
            name,
            [
                new CorpusFile($"cfg/{name}.conf", Body(random, random.Next(6, 22), includes: true)),
                new CorpusFile(".ssh/inc/a.conf", Body(random, random.Next(1, 6), includes: false)),
                new CorpusFile(".ssh/inc/b.conf", Body(random, random.Next(1, 6), includes: false)),
            ],
            [.. Pick(random, 3, ["h1", "web1", "web2", "db1", "x.example.com", "WEB1", "10.1.1.1", "box.internal"])],
            [CommandLineVariant.Plain, CommandLineVariant.UserAndPort, new("-o", ["User=ouser", "ServerAliveInterval=7"])])
        {
            SshRefuses = null,
        };
    }

    private static string Body(Random random, int count, bool includes)
    {
        var lines = new List<string>();
        while (lines.Count < count)
        {
            var line = random.Next(100) < 3 ? Pick(random, BadLines) : Pick(random, Lines)(random);
            if (!includes && line.StartsWith("Include", StringComparison.Ordinal))
            {
                continue;
            }

            var block = line.StartsWith("Host", StringComparison.OrdinalIgnoreCase) || line.StartsWith("Match", StringComparison.Ordinal);
            var indent = block ? "" : "  ";
            lines.Add(indent + line);
        }

        return string.Join('\n', lines) + "\n";
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    private static IEnumerable<T> Pick<T>(Random random, int count, T[] items) => items.OrderBy(_ => random.Next()).Take(count);
}
