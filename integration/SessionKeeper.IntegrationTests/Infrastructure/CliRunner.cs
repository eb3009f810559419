using System.Diagnostics;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>
/// Runs a command-line program (by default our CLI, `dotnet sessionkeeper.dll`) as a child
/// process with stdin closed and no terminal.
/// </summary>
public sealed class CliRunner
{
    public const string CliDllName = "sessionkeeper.dll";

    /// <summary>Environment variable that overrides where sessionkeeper.dll is looked for.</summary>
    public const string CliDllVariable = "SESSIONKEEPER_CLI_DLL";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public CliRunner(string fileName, IEnumerable<string>? leadingArguments = null)
    {
        FileName = fileName;
        LeadingArguments = [.. leadingArguments ?? []];
    }

    public string FileName { get; }

    public IReadOnlyList<string> LeadingArguments { get; }

    public string? WorkingDirectory { get; init; }

    /// <summary>Applied to every run before the per-call environment; a null value removes the variable.</summary>
    public IDictionary<string, string?> BaseEnvironment { get; } = new Dictionary<string, string?>();

    /// <summary>A runner for `dotnet &lt;sessionkeeper.dll&gt;`.</summary>
    public static CliRunner ForSessionKeeper(string? cliDllPath = null) =>
        new(DotnetHost.Locate(), [cliDllPath ?? LocateSessionKeeperDll()]);

    /// <summary>
    /// $SESSIONKEEPER_CLI_DLL, else next to the test assembly (the test project references the
    /// CLI project), else src/SessionKeeper.Cli/bin/&lt;Configuration&gt;/net10.0 in a parent directory.
    /// </summary>
    public static string LocateSessionKeeperDll()
    {
        var searched = new List<string>();
        var overridePath = Environment.GetEnvironmentVariable(CliDllVariable);
        if (!string.IsNullOrEmpty(overridePath))
        {
            searched.Add(overridePath);
        }

        var baseDir = AppContext.BaseDirectory;
        searched.Add(Path.Combine(baseDir, CliDllName));
        var configurations = baseDir.Contains("/Release/", StringComparison.Ordinal)
            ? new[] { "Release", "Debug" }
            : ["Debug", "Release"];
        for (var dir = new DirectoryInfo(baseDir); dir is not null; dir = dir.Parent)
        {
            searched.AddRange(configurations.Select(c =>
                Path.Combine(dir.FullName, "src", "SessionKeeper.Cli", "bin", c, "net10.0", CliDllName)));
        }

        // `dotnet x.dll` needs x.runtimeconfig.json beside it.
        return searched.FirstOrDefault(p => File.Exists(p) && File.Exists(Path.ChangeExtension(p, ".runtimeconfig.json")))
            ?? throw new FileNotFoundException(
                $"{CliDllName} (with its .runtimeconfig.json) not found; searched:\n{string.Join('\n', searched)}");
    }

    public ProcessStartInfo CreateStartInfo(IEnumerable<string> args, IDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo(FileName);
        foreach (var arg in LeadingArguments.Concat(args))
        {
            psi.ArgumentList.Add(arg);
        }

        if (WorkingDirectory is not null)
        {
            psi.WorkingDirectory = WorkingDirectory;
        }

        foreach (var (name, value) in BaseEnvironment.Concat(env ?? new Dictionary<string, string?>()))
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }

        return psi;
    }

    public CliProcess Start(IEnumerable<string> args, IDictionary<string, string?>? env = null, bool keepStdin = false) =>
        CliProcess.Start(CreateStartInfo(args, env), keepStdin);

    /// <summary>Runs to completion; on timeout kills the process tree and throws <see cref="TimeoutException"/>.</summary>
    public Task<CliResult> RunAsync(
        IEnumerable<string> args,
        IDictionary<string, string?>? env = null,
        TimeSpan? timeout = null,
        CancellationToken ct = default) =>
        CliProcess.RunAsync(CreateStartInfo(args, env), timeout ?? DefaultTimeout, ct);
}
