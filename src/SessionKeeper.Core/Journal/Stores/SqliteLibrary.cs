using System.Runtime.InteropServices;

namespace SessionKeeper.Core.Journal.Stores;

/// <summary>
/// Where SQLite's native library comes from. SQLitePCLRaw imports it as "e_sqlite3", a name the
/// runtime turns into a search: the native binary tried e_sqlite3.so beside itself, then every
/// directory of the dynamic loader's path (about 40 failed opens in an strace of `jobs`), before
/// libe_sqlite3.so beside itself, which is where the release puts it. Loaded by its path when it
/// is there; elsewhere (the dotnet tool and the tests, where the runtime finds it under runtimes/
/// through the deps file) the runtime's own search runs as before.
/// </summary>
internal static class SqliteLibrary
{
    private const string ImportName = "e_sqlite3";
    private const string FileName = "libe_sqlite3.so";
    private static int _installed;

    /// <summary>Installs the resolver once per process, before the first SQLite call.</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1)
        {
            return;
        }

        try
        {
            NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // A resolver is set already (a host of ours that set its own): the runtime's search it is.
        }
    }

    private static IntPtr Resolve(string name, System.Reflection.Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != ImportName || !OperatingSystem.IsLinux())
        {
            return IntPtr.Zero;
        }

        return NativeLibrary.TryLoad(Path.Combine(AppContext.BaseDirectory, FileName), out var handle) ? handle : IntPtr.Zero;
    }
}
