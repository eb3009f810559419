using System.Security.Cryptography;
using System.Text;

namespace SessionKeeper.Ssh.HostKeys;

internal sealed partial class KnownHostsDatabase
{
    private const UnixFileMode FileMode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The host field ssh writes and looks up: <c>host</c> for port 22, <c>[host]:port</c> otherwise.</summary>
    public static string FormatHostPattern(string host, int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        return port == 22 ? host : $"[{host}]:{port}";
    }

    /// <summary>
    /// Hashes a host field as <c>ssh-keygen -H</c> and <c>HashKnownHosts</c> do: the name is lower-cased,
    /// then <c>|1|base64(salt)|base64(HMAC-SHA1(salt, name))</c>. A random 20-byte salt is used unless one is given.
    /// </summary>
    public static string HashHostPattern(string hostPattern, byte[]? salt = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostPattern);
        if (salt is not null && salt.Length != HostNameHasher.SaltLength)
        {
            throw new ArgumentException($"The salt must be {HostNameHasher.SaltLength} bytes long.", nameof(salt));
        }

        salt ??= RandomNumberGenerator.GetBytes(HostNameHasher.SaltLength);
        return HostNameHasher.Hash(AsciiCase.ToLower(hostPattern), salt);
    }

    /// <summary>
    /// Appends one line for the host's key to <paramref name="path"/>, creating the file (mode 0600)
    /// and its parent directory (mode 0700) if missing. The host is lower-cased as ssh does; with
    /// <paramref name="hashed"/> the host field is hashed.
    /// </summary>
    public static void Append(string path, string host, int port, string keyType, byte[] keyBlob, bool hashed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ValidateHostForWriting(host);
        var type = ResolveKeyType(keyType, keyBlob);
        var name = LookupName(host, port);
        var hostField = hashed ? HashHostPattern(name) : name;
        var line = $"{hostField} {type} {Convert.ToBase64String(keyBlob)}\n";

        try
        {
            CreateParentDirectory(path);
            if (!EndsWithNewlineOrEmpty(path))
            {
                line = "\n" + line;
            }

            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = FileMode0600;
            }

            using var stream = new FileStream(path, options);
            stream.Write(Encoding.UTF8.GetBytes(line));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new KnownHostsException(path, $"cannot write known_hosts file {path}: {ex.Message}", ex);
        }
    }

    private static void ValidateHostForWriting(string host)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or '*' or '?' or '!')
            || host[0] is '@' or '#' or '|')
        {
            throw new ArgumentException($"\"{host}\" cannot be written to known_hosts as a host name.", nameof(host));
        }
    }

    private static void CreateParentDirectory(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (string.IsNullOrEmpty(directory) || Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, DirectoryMode0700);
        }
    }

    private static bool EndsWithNewlineOrEmpty(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (stream.Length == 0)
            {
                return true;
            }

            stream.Seek(-1, SeekOrigin.End);
            return stream.ReadByte() == '\n';
        }
        catch (FileNotFoundException)
        {
            return true;
        }
    }
}
