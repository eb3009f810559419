using System.Globalization;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>
/// A job directory's identity records on the target, in either layout: layout 2's files pid, pgid,
/// starttime, boot_id and cookie, or layout 3's ident ("pid pgid starttime boot_id sigign sigblk
/// sigreset") and proto ("3 TIER created cookie umask timeout grace stdin").
/// </summary>
public static class JobDirFiles
{
    private static readonly string[] IdentFields = ["pid", "pgid", "starttime", "boot_id"];

    /// <summary>Layout 3's proto, word by word after "3 TIER": the records it holds in place of layout 2's files.</summary>
    private static readonly string[] ProtoFields = ["", "", "created", "cookie", "umask"];

    /// <summary>The job has recorded its identity: layout 2's starttime (written last) or layout 3's ident (written whole).</summary>
    public static bool HasIdentity(string jobDir) =>
        File.Exists(Path.Combine(jobDir, "starttime")) || File.Exists(Path.Combine(jobDir, "ident"));

    /// <summary>(pid, start time) as the job recorded them.</summary>
    public static (int Pid, long StartTime) Identity(string jobDir) =>
        (int.Parse(Read(jobDir, "pid"), CultureInfo.InvariantCulture), long.Parse(Read(jobDir, "starttime"), CultureInfo.InvariantCulture));

    /// <summary>One record (pid pgid starttime boot_id created cookie umask), from whichever layout the directory has.</summary>
    public static string Read(string jobDir, string name)
    {
        var ident = Path.Combine(jobDir, "ident");
        if (Array.IndexOf(IdentFields, name) is var i and >= 0 && File.Exists(ident))
        {
            return Words(ident)[i];
        }

        var proto = Path.Combine(jobDir, "proto");
        if (Array.IndexOf(ProtoFields, name) is var j and >= 2 && File.Exists(proto) && Words(proto) is ["3", ..] p)
        {
            return p[j];
        }

        return File.ReadAllText(Path.Combine(jobDir, name)).Trim();
    }

    /// <summary>Forges one record in place (a test's tampering), in the file the directory's layout keeps it in.</summary>
    public static void Forge(string jobDir, string name, string value)
    {
        var ident = Path.Combine(jobDir, "ident");
        if (Array.IndexOf(IdentFields, name) is var i and >= 0 && File.Exists(ident))
        {
            var words = Words(ident);
            words[i] = value;
            File.WriteAllText(ident, string.Join(' ', words) + "\n");
            return;
        }

        var proto = Path.Combine(jobDir, "proto");
        if (name == "cookie" && File.Exists(proto) && Words(proto) is ["3", ..] p)
        {
            p[3] = value;
            File.WriteAllText(proto, string.Join(' ', p) + "\n");
            return;
        }

        File.WriteAllText(Path.Combine(jobDir, name), value + "\n");
    }

    private static string[] Words(string path) => File.ReadAllText(path).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
}
