using SessionKeeper.Ssh.Config;

namespace SessionKeeper.Tests.Ssh.Config;

/// <summary>
/// A private temporary directory with a fake $HOME (<see cref="Home"/>) for config files, deleted on
/// dispose. <see cref="Environment"/> matches what the real ssh sees when run with HOME=<see cref="Home"/>:
/// ~ in Include is $HOME, while ~ and %d elsewhere come from the password database.
/// </summary>
internal sealed class ConfigSandbox : IDisposable
{
    public ConfigSandbox()
    {
        Root = Directory.CreateTempSubdirectory("sk-sshcfg-").FullName;
        Home = Path.Combine(Root, "home");
        Directory.CreateDirectory(Path.Combine(Home, ".ssh"));
        var current = SshConfigEnvironment.Current;
        var variables = System.Environment.GetEnvironmentVariables()
            .Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
        variables["HOME"] = Home;
        Environment = current with
        {
            UserConfigPath = Path.Combine(Home, ".ssh", "config"),
            SystemConfigPath = Path.Combine(Root, "etc-ssh_config"),
            IncludeHomeDirectory = Home,
            Variables = variables,
        };
    }

    public string Root { get; }

    public string Home { get; }

    public SshConfigEnvironment Environment { get; }

    /// <summary>Writes <paramref name="content"/> to <paramref name="relativePath"/> under <see cref="Home"/>, mode 0644.</summary>
    public string Write(string relativePath, string content, UnixFileMode mode = (UnixFileMode)0b110_100_100)
    {
        var path = Path.Combine(Home, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail the test.
        }
    }
}
