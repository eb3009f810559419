namespace SessionKeeper.Ssh.Config;

/// <summary><c>getservbyname(name, "tcp")</c> from /etc/services, for <c>Port ssh</c> and friends.</summary>
internal static class ServiceLookup
{
    private const string ServicesFile = "/etc/services";

    public static int? TcpPort(string name)
    {
        if (name.Length == 0 || !File.Exists(ServicesFile))
        {
            return null;
        }

        foreach (var raw in File.ReadLines(ServicesFile))
        {
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = hash >= 0 ? raw[..hash] : raw;
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || !fields[1].EndsWith("/tcp", StringComparison.Ordinal))
            {
                continue;
            }

            if (fields[0] != name && !fields.Skip(2).Contains(name))
            {
                continue;
            }

            var portText = fields[1][..^"/tcp".Length];
            if (ConfigValues.TryStrToNum(portText, 0, 65535, out var port))
            {
                return (int)port;
            }
        }

        return null;
    }
}
