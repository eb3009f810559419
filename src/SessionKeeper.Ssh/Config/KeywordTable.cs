namespace SessionKeeper.Ssh.Config;

/// <summary>
/// Every keyword OpenSSH 9.2p1 (Debian 12 build) accepts in ssh_config, from readconf.c's
/// <c>keywords[]</c> plus Debian's GSSAPI and keep-alive patches, and a few keywords of later
/// OpenSSH releases that are accepted and ignored (9.2 itself would reject those).
/// </summary>
internal static class KeywordTable
{
    private static readonly string[] StrictHostKey = ["true", "false", "yes", "no", "ask", "off", "accept-new"];
    private static readonly string[] YesNoAsk = ["true", "false", "yes", "no", "ask"];
    private static readonly string[] PubkeyAuth = ["true", "false", "yes", "no", "unbound", "host-bound"];
    private static readonly string[] ControlMasterValues = ["true", "yes", "false", "no", "auto", "ask", "autoask"];
    private static readonly string[] Canonicalize = ["true", "false", "yes", "no", "always"];

    private static readonly Dictionary<string, KeywordSpec> Specs = Build(
    [
        // Deprecated, silently ignored or compiled out of this build.
        Ignored("protocol"), Ignored("cipher"), Ignored("fallbacktorsh"), Ignored("globalknownhostsfile2"),
        Ignored("rhostsauthentication"), Ignored("userknownhostsfile2"), Ignored("useroaming"), Ignored("usersh"),
        Ignored("useprivilegedport"), Ignored("afstokenpassing"), Ignored("kerberosauthentication"),
        Ignored("kerberostgtpassing"), Ignored("rsaauthentication"), Ignored("rhostsrsaauthentication"),
        Ignored("compressionlevel"),

        Flag("gssapiauthentication"), Flag("gssapidelegatecredentials"),
        new("pkcs11provider", ConfigKeyword.Pkcs11Provider, ArgKind.String),
        new("smartcarddevice", ConfigKeyword.Pkcs11Provider, ArgKind.String),
        Str("forwardagent"), Flag("forwardx11"), Flag("forwardx11trusted"), Time("forwardx11timeout"),
        Flag("exitonforwardfailure"), Str("xauthlocation"), Flag("gatewayports"), Flag("passwordauthentication"),
        Flag("kbdinteractiveauthentication"), Str("kbdinteractivedevices"),
        Flag("challengeresponseauthentication"), Flag("skeyauthentication"), Flag("tisauthentication"),
        Choice("pubkeyauthentication", PubkeyAuth), Choice("dsaauthentication", PubkeyAuth),
        Flag("hostbasedauthentication"),
        new("identityfile", ConfigKeyword.IdentityFile, ArgKind.Special),
        new("identityfile2", ConfigKeyword.IdentityFile, ArgKind.Special),
        new("identitiesonly", ConfigKeyword.IdentitiesOnly, ArgKind.Flag),
        new("certificatefile", ConfigKeyword.CertificateFile, ArgKind.Special),
        Range("addkeystoagent", 1, 2),
        new("identityagent", ConfigKeyword.IdentityAgent, ArgKind.String),
        new("hostname", ConfigKeyword.HostName, ArgKind.String),
        new("hostkeyalias", ConfigKeyword.HostKeyAlias, ArgKind.String),
        new("proxycommand", ConfigKeyword.ProxyCommand, ArgKind.Rest),
        new("port", ConfigKeyword.Port, ArgKind.Special),
        Str("ciphers"), Str("macs"), Range("remoteforward", 1, 2), Range("localforward", 2, 2),
        Many("permitremoteopen"),
        new("user", ConfigKeyword.User, ArgKind.String),
        new("host", ConfigKeyword.Host, ArgKind.Special),
        new("match", ConfigKeyword.Match, ArgKind.Special),
        Str("escapechar"),
        new("globalknownhostsfile", ConfigKeyword.GlobalKnownHostsFile, ArgKind.Special),
        new("userknownhostsfile", ConfigKeyword.UserKnownHostsFile, ArgKind.Special),
        Int("connectionattempts"),
        new("batchmode", ConfigKeyword.BatchMode, ArgKind.Flag),
        Flag("checkhostip"),
        new("stricthostkeychecking", ConfigKeyword.StrictHostKeyChecking, ArgKind.Choice, StrictHostKey),
        Choice("compression", ["yes", "no"]), Flag("tcpkeepalive"), Flag("keepalive"),
        Int("numberofpasswordprompts"), Str("syslogfacility"), Str("loglevel"), Many("logverbose"),
        Str("dynamicforward"), Str("preferredauthentications"), Str("hostkeyalgorithms"),
        Str("casignaturealgorithms"),
        new("bindaddress", ConfigKeyword.BindAddress, ArgKind.String),
        new("bindinterface", ConfigKeyword.BindInterface, ArgKind.String),
        Flag("clearallforwardings"), Flag("enablesshkeysign"), Choice("verifyhostkeydns", YesNoAsk),
        Flag("nohostauthenticationforlocalhost"), Range("rekeylimit", 1, 2),
        new("connecttimeout", ConfigKeyword.ConnectTimeout, ArgKind.Time),
        Choice("addressfamily", ["inet", "inet6", "any"]),
        new("serveraliveinterval", ConfigKeyword.ServerAliveInterval, ArgKind.Time),
        new("serveralivecountmax", ConfigKeyword.ServerAliveCountMax, ArgKind.Int),
        Many("sendenv"), Many("setenv"),
        new("controlpath", ConfigKeyword.ControlPath, ArgKind.String),
        new("controlmaster", ConfigKeyword.ControlMaster, ArgKind.Choice, ControlMasterValues),
        Str("controlpersist"),
        new("hashknownhosts", ConfigKeyword.HashKnownHosts, ArgKind.Flag),
        new("include", ConfigKeyword.Include, ArgKind.Special),
        Choice("tunnel", ["ethernet", "point-to-point", "true", "yes", "false", "no"]), Str("tunneldevice"),
        new("localcommand", ConfigKeyword.LocalCommand, ArgKind.Rest),
        new("permitlocalcommand", ConfigKeyword.PermitLocalCommand, ArgKind.Flag),
        new("remotecommand", ConfigKeyword.RemoteCommand, ArgKind.Rest),
        Flag("visualhostkey"),
        new("kexalgorithms", ConfigKeyword.KexAlgorithms, ArgKind.Special),
        Range("ipqos", 1, 2), Choice("requesttty", ["true", "yes", "false", "no", "force", "auto"]),
        Choice("sessiontype", ["none", "subsystem", "default"]), Flag("stdinnull"), Flag("forkafterauthentication"),
        Flag("proxyusefdpass"), Many("canonicaldomains"), Flag("canonicalizefallbacklocal"),
        new("canonicalizehostname", ConfigKeyword.CanonicalizeHostname, ArgKind.Choice, Canonicalize),
        Int("canonicalizemaxdots"), Many("canonicalizepermittedcnames"), Str("streamlocalbindmask"),
        Flag("streamlocalbindunlink"),
        new("revokedhostkeys", ConfigKeyword.RevokedHostKeys, ArgKind.String),
        Str("fingerprinthash"), Choice("updatehostkeys", YesNoAsk), Str("hostbasedacceptedalgorithms"),
        Str("hostbasedkeytypes"), Str("pubkeyacceptedalgorithms"), Str("pubkeyacceptedkeytypes"),
        new("ignoreunknown", ConfigKeyword.IgnoreUnknown, ArgKind.String),
        new("proxyjump", ConfigKeyword.ProxyJump, ArgKind.Special),
        Str("securitykeyprovider"),
        new("knownhostscommand", ConfigKeyword.KnownHostsCommand, ArgKind.Rest),
        Int("requiredrsasize"), Flag("enableescapecommandline"),

        // Debian's GSSAPI key exchange and keep-alive patches.
        Flag("gssapikeyexchange"), Str("gssapiclientidentity"), Str("gssapiserveridentity"),
        Flag("gssapirenewalforcesrekey"), Flag("gssapitrustdns"), Str("gssapikexalgorithms"),
        new("protocolkeepalives", ConfigKeyword.ServerAliveInterval, ArgKind.Time),
        new("setuptimeout", ConfigKeyword.ServerAliveInterval, ArgKind.Time),

        // Later OpenSSH releases: harmless to ignore, and configs shared with newer clients use them.
        Ignored("channeltimeout"), Ignored("obscurekeystroketiming"), Ignored("tag"),
        Ignored("refuseconnection"), Ignored("warnweakcrypto"),
    ]);

    /// <summary>Looks up a keyword that is already lower-cased.</summary>
    public static KeywordSpec? Find(string lowerKeyword) => Specs.GetValueOrDefault(lowerKeyword);

    private static Dictionary<string, KeywordSpec> Build(KeywordSpec[] specs) =>
        specs.ToDictionary(s => s.Name, StringComparer.Ordinal);

    private static KeywordSpec Flag(string name) => new(name, ConfigKeyword.Other, ArgKind.Flag);

    private static KeywordSpec Str(string name) => new(name, ConfigKeyword.Other, ArgKind.String);

    private static KeywordSpec Int(string name) => new(name, ConfigKeyword.Other, ArgKind.Int);

    private static KeywordSpec Time(string name) => new(name, ConfigKeyword.Other, ArgKind.Time);

    private static KeywordSpec Many(string name) => new(name, ConfigKeyword.Other, ArgKind.Many);

    private static KeywordSpec Ignored(string name) => new(name, ConfigKeyword.Other, ArgKind.Ignored);

    private static KeywordSpec Choice(string name, string[] choices) => new(name, ConfigKeyword.Other, ArgKind.Choice, choices);

    private static KeywordSpec Range(string name, int min, int max) => new(name, ConfigKeyword.Other, ArgKind.Range, null, min, max);
}
