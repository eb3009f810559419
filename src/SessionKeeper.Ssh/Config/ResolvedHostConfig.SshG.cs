using System.Text;

namespace SessionKeeper.Ssh.Config;

internal sealed partial record ResolvedHostConfig
{
    /// <summary>
    /// The supported settings as <c>ssh -G</c> prints them: one "key value" line each, lower-case
    /// keys, in ssh's order. IdentityFile and CertificateFile appear as written (ssh -G does not
    /// expand them), StrictHostKeyChecking yes/no as true/false, kexalgorithms only when set.
    /// </summary>
    public string ToSshGStyle()
    {
        var b = new StringBuilder();
        void Line(string key, string value) => b.Append(key).Append(' ').Append(value).Append('\n');

        Line("host", OriginalHost);
        Line("user", User);
        Line("hostname", HostName);
        Line("port", ConfigValues.FormatInt(Port));
        Line("batchmode", YesNo(BatchMode));
        Line("hashknownhosts", YesNo(HashKnownHosts));
        Line("identitiesonly", YesNo(IdentitiesOnly));
        Line("stricthostkeychecking", StrictHostKeyCheckingMode switch
        {
            StrictHostKeyCheckingMode.Yes => "true",
            StrictHostKeyCheckingMode.No => "false",
            StrictHostKeyCheckingMode.AcceptNew => "accept-new",
            _ => "ask",
        });
        Line("serveralivecountmax", ConfigValues.FormatInt(ServerAliveCountMax));
        Line("serveraliveinterval", ConfigValues.FormatInt(ServerAliveInterval));
        if (HostKeyAlias is not null)
        {
            Line("hostkeyalias", HostKeyAlias);
        }

        if (KexAlgorithms.Count > 0)
        {
            Line("kexalgorithms", string.Join(',', KexAlgorithms));
        }

        foreach (var file in ConfiguredIdentityFiles)
        {
            Line("identityfile", file);
        }

        foreach (var file in ConfiguredCertificateFiles)
        {
            Line("certificatefile", file);
        }

        Line("globalknownhostsfile", OneLine(GlobalKnownHostsFiles));
        Line("userknownhostsfile", OneLine(UserKnownHostsFiles));
        Line("connecttimeout", ConnectTimeoutSeconds < 0 ? "none" : ConfigValues.FormatInt(ConnectTimeoutSeconds));
        if (ProxyJump.Count > 0)
        {
            Line("proxyjump", string.Join(',', ProxyJump));
        }
        else if (ProxyCommand is not null)
        {
            Line("proxycommand", ProxyCommand);
        }

        return b.ToString();
    }

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static string OneLine(IReadOnlyList<string> files) => files.Count == 0 ? "none" : string.Join(' ', files);
}
