using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace SessionKeeper.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster for the tests: initdb and pg_ctl (Debian's postgresql package,
/// /usr/lib/postgresql/VERSION/bin, the newest found) in a temporary directory, listening on a free
/// loopback port only (no Unix socket), trust authentication, stopped and deleted on dispose.
/// PostgreSQL refuses to run as root: as root the cluster runs as nobody. Each test takes a
/// database of its own (<see cref="NewDatabase"/>). Missing binaries skip the test with the reason,
/// or fail it under CI.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    public const string Superuser = "postgres";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private readonly string? _bin = FindBinaries();
    private readonly Lazy<string> _started;
    private int _databases;

    public PostgresCluster() => _started = new Lazy<string>(Start);

    /// <summary>The directory holding initdb, pg_ctl and postgres, or null when PostgreSQL is not installed.</summary>
    public static string? FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(c => File.Exists(Path.Combine(c.Dir, "initdb")) && File.Exists(Path.Combine(c.Dir, "pg_ctl")))
                .OrderByDescending(c => c.Version)
                .Select(c => c.Dir)
                .FirstOrDefault()
            : null;

    public int Port { get; private set; }

    /// <summary>postgresql://postgres@127.0.0.1:PORT/DATABASE.</summary>
    public string Url(string database) => $"postgresql://{Superuser}@127.0.0.1:{Port}/{database}";

    /// <summary>A new empty database, its URL; skips (or fails under CI) when PostgreSQL is not installed.</summary>
    public string NewDatabase()
    {
        Prerequisite.Require(_bin is not null, "PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)");
        _ = _started.Value;
        var name = $"sk_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        Execute("postgres", $"CREATE DATABASE {name}");
        return Url(name);
    }

    /// <summary>Drops a database <see cref="NewDatabase"/> made, closing the connections still open to it.</summary>
    public void DropDatabase(string url) => Execute("postgres", $"DROP DATABASE IF EXISTS {url[(url.LastIndexOf('/') + 1)..]} WITH (FORCE)");

    /// <summary>Runs <paramref name="sql"/> in <paramref name="database"/> as the superuser.</summary>
    public void Execute(string database, string sql)
    {
        using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username={Superuser};Database={database};Pooling=false;Timeout=30");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private string Start()
    {
        (int Uid, int Gid)? runAs = TestUid() == 0 ? Nobody() : null;
        for (var attempt = 1; ; attempt++)
        {
            var dir = Directory.CreateTempSubdirectory("sk-pg-").FullName;
            if (runAs is { } owner)
            {
                Chown(dir, owner.Uid, owner.Gid);
            }

            var data = Path.Combine(dir, "data");
            Run(runAs, "initdb", ["-D", data, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
            Port = FreePort();
            try
            {
                Run(runAs, "pg_ctl", ["-D", data, "-l", Path.Combine(dir, "server.log"), "-w", "-t", "60", "-o",
                    $"-p {Port} -k '' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300", "start"]);
                return dir;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // The free port was taken meanwhile: another one, in a fresh directory.
                TryDelete(dir);
            }
        }
    }

    /// <summary>pg_ctl restart (fast shutdown: every connection is closed), on the same port.</summary>
    public void Restart()
    {
        var dir = _started.Value;
        Run(TestUid() == 0 ? Nobody() : ((int, int)?)null, "pg_ctl", ["-D", Path.Combine(dir, "data"), "-l", Path.Combine(dir, "server.log"), "-m", "fast", "-w", "-t", "60", "restart"]);
    }

    public void Dispose()
    {
        if (!_started.IsValueCreated)
        {
            return;
        }

        var dir = _started.Value;
        try
        {
            Run(TestUid() == 0 ? Nobody() : ((int, int)?)null, "pg_ctl", ["-D", Path.Combine(dir, "data"), "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            TryDelete(dir);
        }
    }

    private void Run((int Uid, int Gid)? runAs, string tool, string[] arguments)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        if (runAs is { } user)
        {
            // setpriv (util-linux) drops to the user for this one command.
            start.FileName = "setpriv";
            foreach (var a in new[] { $"--reuid={user.Uid}", $"--regid={user.Gid}", "--clear-groups", "--", Path.Combine(_bin!, tool) })
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            start.FileName = Path.Combine(_bin!, tool);
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Deadline))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{tool} did not finish in {Deadline.TotalSeconds} s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} exited {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int TestUid() => int.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);

    private static (int Uid, int Gid) Nobody()
    {
        var fields = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).First(f => f[0] == "nobody");
        return (int.Parse(fields[2], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture));
    }

    private static void Chown(string path, int uid, int gid)
    {
        using var chown = Process.Start(new ProcessStartInfo("chown", [$"{uid}:{gid}", path]))!;
        chown.WaitForExit();
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
