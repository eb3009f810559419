namespace SessionKeeper.Cli.Infrastructure;

internal static class LocalFiles
{
    /// <summary>Removes a job's local log copy and its lock file, once the job is gone for good.</summary>
    public static void DeleteMirror(string? path)
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
                Console.Error.WriteLine($"sessionkeeper: warning: could not remove {file}: {ex.Message}");
            }
        }
    }
}
