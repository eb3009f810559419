using SessionKeeper.Core.Failures;

namespace SessionKeeper.Core.Streaming;

/// <summary>
/// The local copy of a job's log. Its length is the committed position: bytes are only appended in
/// order, so whatever survives a crash is an exact prefix and a reattach resumes from the length.
/// One process at a time writes a mirror (an exclusive lock file); others only follow it.
/// </summary>
internal sealed class LogMirror : IDisposable
{
    private readonly FileStream? _lock;
    private readonly FileStream? _file;

    private LogMirror(string path, FileStream? lockFile, FileStream? file)
    {
        Path = path;
        _lock = lockFile;
        _file = file;
    }

    public string Path { get; }

    /// <summary>False when another process holds the mirror; then nothing is written here.</summary>
    public bool IsWriter => _file is not null;

    public long Length => _file?.Length ?? (File.Exists(Path) ? new FileInfo(Path).Length : 0);

    /// <summary>Removes a job's local copy and its lock file, once the job is gone for good; a failure is a warning.</summary>
    public static void Delete(string? path)
    {
        if (path is null)
        {
            return;
        }

        foreach (var file in new[] { path, path + ".lock" })
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Journal.JobJournal.Warn($"could not remove {file}: {ex.Message}");
            }
        }
    }

    public static LogMirror Open(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        try
        {
            // One level at a time: CreateDirectory gives missing parents the umask's mode, not ours.
            var privateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(directory)!, privateDirectory);
            Directory.CreateDirectory(directory, privateDirectory);
            FileStream lockFile;
            try
            {
                lockFile = new FileStream(path + ".lock", new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
            catch (IOException)
            {
                return new LogMirror(path, null, null);
            }

            var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Append,
                Access = FileAccess.Write,
                Share = FileShare.ReadWrite,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                BufferSize = 0,
            });
            return new LogMirror(path, lockFile, file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SessionKeeperException(FailureKind.StateCorrupt, $"cannot open the local log copy {path}: {ex.Message}", ex);
        }
    }

    /// <summary>Appends bytes that start exactly at the current length; anything else is refused.</summary>
    public void Append(long offset, ReadOnlySpan<byte> bytes)
    {
        if (_file is null)
        {
            return;
        }

        var length = _file.Length;
        if (offset != length)
        {
            throw new SessionKeeperException(FailureKind.StateCorrupt, $"refusing to splice {Path}: received bytes at {offset}, the copy ends at {length}.");
        }

        _file.Write(bytes);
        _file.Flush();
    }

    public void Dispose()
    {
        _file?.Dispose();
        _lock?.Dispose();
    }
}
