using SessionKeeper.Core.Failures;

namespace SessionKeeper.Core.Streaming;

/// <summary>
/// The local copy of a job's output: one file per stream (PATH.out, PATH.err; PATH.log for the one
/// log of a layout-1 job, where PATH is the journal's mirror path without ".log"). Each file's
/// length is that stream's committed position: bytes are only appended in order, so whatever
/// survives a crash is an exact prefix and a reattach resumes from the lengths. One process at a
/// time writes a mirror (an exclusive lock file, PATH.lock); others only follow it.
/// </summary>
internal sealed class LogMirror : IDisposable
{
    private const string LayoutOneExtension = ".log";

    private readonly FileStream? _lock;
    private readonly FileStream?[] _files = new FileStream?[3];

    private LogMirror(string path, FileStream? lockFile)
    {
        Path = path;
        _lock = lockFile;
    }

    /// <summary>The mirror's path as the journal records it (wave-1 rows: JOB.log; newer: JOB).</summary>
    public string Path { get; }

    /// <summary>False when another process holds the mirror; then nothing is written here.</summary>
    public bool IsWriter => _lock is not null;

    /// <summary>What each stream's file holds: where a reattach resumes.</summary>
    public StreamOffsets Offsets => new(Length(OutputKind.Stdout), Length(OutputKind.Stderr), Length(OutputKind.Combined));

    /// <summary>The file that holds <paramref name="stream"/> for the mirror at <paramref name="path"/>.</summary>
    public static string FileOf(string path, OutputKind stream)
    {
        var stem = IsLayoutOne(path) ? path[..^LayoutOneExtension.Length] : path;
        return stream switch
        {
            OutputKind.Stdout => stem + ".out",
            OutputKind.Stderr => stem + ".err",
            _ => stem + LayoutOneExtension,
        };
    }

    /// <summary>
    /// The files of the mirror at <paramref name="path"/>, whether they exist yet or not: JOB.log
    /// alone for a layout-1 job (its journal row names that file), JOB.out and JOB.err otherwise
    /// (the journal names their common stem, which is no file).
    /// </summary>
    public static IReadOnlyList<(OutputKind Stream, string File)> FilesOf(string path) =>
        IsLayoutOne(path)
            ? [(OutputKind.Combined, path)]
            : [(OutputKind.Stdout, FileOf(path, OutputKind.Stdout)), (OutputKind.Stderr, FileOf(path, OutputKind.Stderr))];

    /// <summary>A wave-1 journal row: its mirror path is the one log file, JOB.log.</summary>
    public static bool IsLayoutOne(string path) => path.EndsWith(LayoutOneExtension, StringComparison.Ordinal);

    /// <summary>What the mirror at <paramref name="path"/> holds of each stream, without taking it.</summary>
    public static StreamOffsets OffsetsOf(string? path) => path is null
        ? default
        : new(SizeOf(FileOf(path, OutputKind.Stdout)), SizeOf(FileOf(path, OutputKind.Stderr)), SizeOf(FileOf(path, OutputKind.Combined)));

    public long Length(OutputKind stream) => _files[(int)stream]?.Length ?? SizeOf(FileOf(Path, stream));

    /// <summary>Removes a job's local copy and its lock file, once the job is gone for good; a failure is a warning.</summary>
    public static void Delete(string? path)
    {
        if (path is null)
        {
            return;
        }

        foreach (var file in new[] { FileOf(path, OutputKind.Stdout), FileOf(path, OutputKind.Stderr), FileOf(path, OutputKind.Combined), path + ".lock" })
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
            CreateDurableDirectory(System.IO.Path.GetDirectoryName(directory)!, privateDirectory);
            CreateDurableDirectory(directory, privateDirectory);
            try
            {
                return new LogMirror(path, new FileStream(path + ".lock", new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                }));
            }
            catch (IOException)
            {
                return new LogMirror(path, null);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unopenable(path, ex);
        }
    }

    /// <summary>Appends bytes of <paramref name="stream"/> that start exactly at its current length; anything else is refused.</summary>
    public void Append(OutputKind stream, long offset, ReadOnlySpan<byte> bytes)
    {
        if (_lock is null)
        {
            return;
        }

        var file = _files[(int)stream] ??= OpenFile(FileOf(Path, stream));
        var length = file.Length;
        if (offset != length)
        {
            throw new SessionKeeperException(FailureKind.StateCorrupt, $"refusing to splice {file.Name}: received bytes at {offset}, the copy ends at {length}.");
        }

        file.Write(bytes);
        file.Flush();
    }

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file?.Dispose();
        }

        _lock?.Dispose();
    }

    private static long SizeOf(string file) => File.Exists(file) ? new FileInfo(file).Length : 0;

    /// <summary>A directory made, then its name synced to disk (see <see cref="Journal.DurableFiles"/>).</summary>
    private static void CreateDurableDirectory(string directory, UnixFileMode mode)
    {
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, mode);
            Journal.DurableFiles.TrySyncDirectory(Journal.DurableFiles.ParentOf(directory), Journal.JobJournal.Warn);
        }
    }

    private static FileStream OpenFile(string file)
    {
        try
        {
            var created = !File.Exists(file);
            var stream = new FileStream(file, new FileStreamOptions
            {
                Mode = FileMode.Append,
                Access = FileAccess.Write,
                Share = FileShare.ReadWrite,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                BufferSize = 0,
            });
            if (created)
            {
                // The file's length is the committed offset: its name must survive a power cut too.
                Journal.DurableFiles.TrySyncDirectory(Journal.DurableFiles.ParentOf(file), Journal.JobJournal.Warn);
            }

            return stream;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unopenable(file, ex);
        }
    }

    private static SessionKeeperException Unopenable(string path, Exception ex) =>
        new(FailureKind.StateCorrupt, $"cannot open the local log copy {path}: {ex.Message}", ex);
}
