using SessionKeeper.Cli.Infrastructure;

namespace SessionKeeper.Cli.Fleet;

/// <summary>
/// `--stdin-to-all`: our stdin, read to its end into a private file of the state directory
/// (0600), which every host's upload then reads on its own: the same bytes for each, each resumable
/// at its own offset, in memory that does not grow with the input or the number of hosts. The
/// file is removed when the run is over.
/// </summary>
internal sealed class FleetStdin : IDisposable
{
    private readonly string _path;

    private FleetStdin(string path) => _path = path;

    public static async Task<FleetStdin> SpoolAsync(Stream stdin, string stateRoot, string batchId, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(stateRoot, "stdin");
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(directory, batchId);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        try
        {
            await using var file = new FileStream(path, options);
            await using (stdin)
            {
                await stdin.CopyToAsync(file, cancellationToken);
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        return new FleetStdin(path);
    }

    /// <summary>A stream of its own over the whole input, for one host.</summary>
    public Stream Open() => new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read);

    public void Dispose() => File.Delete(_path);
}
