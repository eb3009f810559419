using System.Globalization;

namespace SessionKeeper.Ssh.Config;

/// <summary>
/// The local facts ssh_config resolution depends on. <see cref="HomeDirectory"/> is the home
/// directory from the password database, which OpenSSH uses for <c>~</c> and <c>%d</c> in
/// IdentityFile, UserKnownHostsFile and the like; <see cref="IncludeHomeDirectory"/> is $HOME,
/// which glob(3) uses for <c>~</c> in Include (and so for relative Includes of the user's config).
/// They only differ when $HOME was changed.
/// </summary>
/// <param name="HomeDirectory">The local user's home directory (password database).</param>
/// <param name="LocalUser">The local user name (<c>%u</c>, <c>Match localuser</c>, the default User).</param>
/// <param name="LocalHostName">The full local host name, as gethostname(2) returns it (<c>%l</c>; <c>%L</c> is its first label).</param>
/// <param name="UserConfigPath">Read first when no config file is given (<c>~/.ssh/config</c>).</param>
/// <param name="SystemConfigPath">Read after it (<c>/etc/ssh/ssh_config</c>).</param>
internal sealed record SshConfigEnvironment(
    string HomeDirectory,
    string LocalUser,
    string LocalHostName,
    string UserConfigPath,
    string SystemConfigPath)
{
    /// <summary>$HOME, for <c>~</c> in Include; null means <see cref="HomeDirectory"/>.</summary>
    public string? IncludeHomeDirectory { get; init; }

    /// <summary>The numeric local user id for <c>%i</c>; null makes <c>%i</c> an error.</summary>
    public string? LocalUserId { get; init; }

    /// <summary>Variables for <c>${NAME}</c>; null means the process environment.</summary>
    public IReadOnlyDictionary<string, string>? Variables { get; init; }

    /// <summary>The environment of this process and user, read afresh on each call.</summary>
    public static SshConfigEnvironment Current
    {
        get
        {
            var user = Environment.UserName;
            var envHome = Environment.GetEnvironmentVariable("HOME");
            var home = PasswdLookup.HomeOf(user)
                ?? (string.IsNullOrEmpty(envHome) ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) : envHome);
            return new SshConfigEnvironment(
                home,
                user,
                System.Net.Dns.GetHostName(),
                Path.Combine(home, ".ssh", "config"),
                "/etc/ssh/ssh_config")
            {
                IncludeHomeDirectory = string.IsNullOrEmpty(envHome) ? null : envHome,
                LocalUserId = ReadUid(),
            };
        }
    }

    internal string? GetVariable(string name) =>
        Variables is null ? Environment.GetEnvironmentVariable(name) : Variables.GetValueOrDefault(name);

    /// <summary>
    /// The real uid (getuid(2), what /proc/self/status gives first on its Uid line) on Linux; null
    /// elsewhere. A system call, where reading and splitting that file took a tenth of the ssh_config
    /// resolution of a run -d through the daemon.
    /// </summary>
    private static string? ReadUid() =>
        OperatingSystem.IsLinux() ? ((uint)Tmds.Linux.LibC.getuid()).ToString(CultureInfo.InvariantCulture) : null;
}
