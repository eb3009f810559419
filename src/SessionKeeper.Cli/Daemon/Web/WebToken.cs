using System.Security.Cryptography;
using System.Text;

namespace SessionKeeper.Cli.Daemon.Web;

/// <summary>
/// The secret every request to the web view must carry. A new one each time the daemon starts:
/// 32 random bytes, printed once and kept in the state directory (0600) for whoever may read it.
/// </summary>
internal sealed class WebToken
{
    private readonly byte[] _digest;

    public WebToken(string value)
    {
        Value = value;
        _digest = Digest(value);
    }

    public string Value { get; }

    public static WebToken Create() => new(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));

    /// <summary>
    /// True when <paramref name="presented"/> is the token. Both sides are hashed first, so the
    /// comparison takes the same time whatever the length or the first differing byte.
    /// </summary>
    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Digest(presented), _digest);

    /// <summary>
    /// Writes the token to <paramref name="path"/>, 0600 from its creation whatever the umask,
    /// through a temporary name, so a reader never sees half of it nor the previous daemon's.
    /// </summary>
    public void Store(string path)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var file = new FileStream(temporary, options))
        {
            file.Write(Encoding.ASCII.GetBytes(Value + "\n"));
        }

        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }

    private static byte[] Digest(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));
}
