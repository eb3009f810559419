namespace SessionKeeper.Ssh.Config;

internal sealed partial class SshConfigResolver
{
    /// <summary>
    /// Settings in effect that SessionKeeper does not implement and that would change where or how
    /// securely it connects, or what runs. ForwardAgent is deliberately not listed: not forwarding
    /// the agent only withholds access, it never widens it.
    /// </summary>
    private static List<string> UnsupportedSettingsOf(ConfigOptions o)
    {
        var found = new List<string>();
        void Report(string keyword, Sourced<string>? setting, Func<string, bool> inEffect, bool showValue = false)
        {
            if (setting is not null && inEffect(setting.Value))
            {
                found.Add(showValue
                    ? $"{keyword} {setting.Value} ({setting.Source.Short})"
                    : $"{keyword} ({setting.Source.Short})");
            }
        }

        static bool NotNone(string value) => !IsNone(value);

        if (o.JumpHost is null)
        {
            Report("ProxyCommand", o.ProxyCommand, NotNone);
        }

        if (o.PermitLocalCommand is { Value: true } permit && o.LocalCommand is { } local && NotNone(local.Value))
        {
            found.Add($"PermitLocalCommand yes ({permit.Source.Short})");
            found.Add($"LocalCommand ({local.Source.Short})");
        }

        Report("RemoteCommand", o.RemoteCommand, NotNone);
        Report("ControlMaster", o.ControlMaster, v => v is not ("no" or "false"), showValue: true);
        Report("ControlPath", o.ControlPath, NotNone);
        Report("CanonicalizeHostname", o.CanonicalizeHostname, v => v is not ("no" or "false"), showValue: true);
        Report("KnownHostsCommand", o.KnownHostsCommand, NotNone);
        Report("RevokedHostKeys", o.RevokedHostKeys, NotNone);
        Report("IdentityAgent", o.IdentityAgent, v => v is not ("SSH_AUTH_SOCK" or "$SSH_AUTH_SOCK") && !IsNone(v), showValue: true);
        Report("PKCS11Provider", o.Pkcs11Provider, NotNone);
        Report("BindAddress", o.BindAddress, _ => true, showValue: true);
        Report("BindInterface", o.BindInterface, _ => true, showValue: true);
        return found;
    }
}
