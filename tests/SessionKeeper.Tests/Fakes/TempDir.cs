namespace SessionKeeper.Tests.Fakes;

public sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("sk-test-").FullName;

    public string Path { get; }

    public string JobDir(string id) => System.IO.Path.Combine(Path, "sessionkeeper", "jobs", id);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
