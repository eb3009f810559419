namespace SessionKeeper.Tests.Ssh.HostKeys;

/// <summary>A public key as ssh-keygen wrote it: its type and SSH wire-format blob.</summary>
internal sealed record TestKey(string Type, byte[] Blob)
{
    public string Base64 => Convert.ToBase64String(Blob);

    /// <summary>The "type base64" part of a known_hosts line (and of a .pub file).</summary>
    public string KeyText => $"{Type} {Base64}";

    public static TestKey FromPublicKeyLine(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new TestKey(parts[0], Convert.FromBase64String(parts[1]));
    }
}
