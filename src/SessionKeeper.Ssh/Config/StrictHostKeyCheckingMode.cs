namespace SessionKeeper.Ssh.Config;

/// <summary>The four behaviours of ssh_config's <c>StrictHostKeyChecking</c>.</summary>
public enum StrictHostKeyCheckingMode
{
    /// <summary><c>ask</c> (the default): ask before adding an unknown key; refuse a changed one.</summary>
    Ask,

    /// <summary><c>yes</c> or <c>true</c>: never add keys; refuse unknown and changed keys.</summary>
    Yes,

    /// <summary><c>accept-new</c>: add unknown keys; refuse changed ones.</summary>
    AcceptNew,

    /// <summary><c>no</c>, <c>off</c> or <c>false</c>: add unknown keys; OpenSSH even connects on a changed key.</summary>
    No,
}
