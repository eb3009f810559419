using System.Diagnostics;
using SessionKeeper.IntegrationTests.Infrastructure;
using SessionKeeper.IntegrationTests.Jobs;

namespace SessionKeeper.IntegrationTests.Native;

/// <summary>
/// A <see cref="JobsHost"/> whose CLI is the Native AOT binary: $SESSIONKEEPER_NATIVE_BIN when set
/// (what scripts/release.sh unpacked, say), else published once for this class with
/// `dotnet publish -r linux-x64 -p:PublishAot=true` into a temp dir of its own (minutes: the rest
/// of the suite keeps `dotnet sessionkeeper.dll`).
/// </summary>
public sealed class NativeHost : JobsHost
{
    public const string BinaryVariable = "SESSIONKEEPER_NATIVE_BIN";

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(30);

    private string? _publishDir;

    public string Binary { get; private set; } = "";

    /// <summary>Why the binary could not be had (no clang to link it); null when it is here.</summary>
    public string? Missing { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var given = Environment.GetEnvironmentVariable(BinaryVariable);
        if (!string.IsNullOrEmpty(given))
        {
            Binary = Path.GetFullPath(given);
        }
        else if (!File.Exists("/usr/bin/clang"))
        {
            Missing = "Native AOT links with clang, which is not installed (apt-get install clang)";
            return;
        }
        else
        {
            Binary = await PublishAsync();
        }

        var environment = Cli.BaseEnvironment;
        Cli = new CliRunner(Binary);
        foreach (var (name, value) in environment)
        {
            Cli.BaseEnvironment[name] = value;
        }
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_publishDir is not null)
        {
            Directory.Delete(_publishDir, recursive: true);
        }
    }

    private async Task<string> PublishAsync()
    {
        _publishDir = Directory.CreateTempSubdirectory("sk-native-").FullName;
        var output = Path.Combine(_publishDir, "out");
        var project = Path.Combine(RepositoryRoot(), "src", "SessionKeeper.Cli");
        // --artifacts-path keeps this build's bin and obj out of the tree the suite runs from.
        var publish = await CliProcess.RunAsync(
            new ProcessStartInfo(DotnetHost.Locate())
            {
                ArgumentList =
                {
                    "publish", project, "-c", "Release", "-r", "linux-x64", "-nologo", "-p:PublishAot=true",
                    "-p:IlcTreatWarningsAsErrors=true", "-p:TrimmerSingleWarn=false",
                    "--artifacts-path", Path.Combine(_publishDir, "artifacts"), "-o", output,
                },
            },
            PublishTimeout);
        Assert.True(publish.ExitCode == 0, $"dotnet publish -p:PublishAot=true failed: {publish}");
        return Path.Combine(output, "sessionkeeper");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SessionKeeper.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no SessionKeeper.sln above {AppContext.BaseDirectory}; set {BinaryVariable} to a published binary.");
    }
}
