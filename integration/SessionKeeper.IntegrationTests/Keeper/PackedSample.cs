using System.Security;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Keeper;

/// <summary>
/// The README sample as a C# user gets it: the library is packed (`dotnet pack --no-build` of
/// src/SessionKeeper.Ssh, so the package holds exactly the assemblies the solution build made)
/// into a temporary feed under a version of its own, and a copy of integration/SessionKeeper.Sample
/// is built outside the repository against that feed with a fresh package cache. The unique
/// version and the source mapping (SessionKeeper only from the temporary feed) mean no package
/// cached earlier, and none on nuget.org, can stand in for the one just packed. Third-party
/// packages come from the usual package cache (a fallback folder) and, if missing there, nuget.org.
/// Disposing deletes everything.
/// </summary>
public sealed class PackedSample : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private readonly string _work;

    private PackedSample(string work, string version, string dll)
    {
        _work = work;
        Version = version;
        Dll = dll;
    }

    /// <summary>The package version the sample was built against (0.2.0-readme-...).</summary>
    public string Version { get; }

    /// <summary>The built SessionKeeper.Sample.dll, to run with `dotnet`.</summary>
    public string Dll { get; }

    public static async Task<PackedSample> BuildAsync(string repositoryRoot)
    {
        var library = Path.Combine(repositoryRoot, "src", "SessionKeeper.Ssh", "SessionKeeper.Ssh.csproj");
        var built = Path.Combine(repositoryRoot, "src", "SessionKeeper.Ssh", "bin", Configuration, "net10.0", "SessionKeeper.Ssh.dll");
        if (!File.Exists(built))
        {
            throw new InvalidOperationException(
                $"{built} is missing: build the solution first (dotnet build SessionKeeper.sln -c {Configuration}); the sample is built against a package of that build.");
        }

        var work = Directory.CreateTempSubdirectory("sk-sample-pack-").FullName;
        try
        {
            var suffix = "readme-" + Guid.NewGuid().ToString("N")[..12];
            var feed = Path.Combine(work, "feed");
            var dotnet = new CliRunner(DotnetHost.Locate()) { WorkingDirectory = work };
            foreach (var name in InheritedMsBuildVariables())
            {
                dotnet.BaseEnvironment[name] = null;
            }

            dotnet.BaseEnvironment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            dotnet.BaseEnvironment["DOTNET_NOLOGO"] = "1";

            (await dotnet.RunAsync(
                ["pack", library, "-c", Configuration, "--no-build", "--disable-build-servers", "-nologo",
                 $"-p:VersionSuffix={suffix}", $"-p:NuspecOutputPath={Path.Combine(work, "nuspec")}/", "-o", feed],
                timeout: PackTimeout)).EnsureSuccess("dotnet pack of the library");
            var package = Directory.GetFiles(feed, "SessionKeeper.*.nupkg") switch
            {
                [var single] => Path.GetFileName(single),
                var found => throw new InvalidOperationException($"expected one SessionKeeper package in {feed}, found: {string.Join(", ", found)}"),
            };
            var version = package["SessionKeeper.".Length..^".nupkg".Length];
            Assert.EndsWith("-" + suffix, version, StringComparison.Ordinal);

            var sample = Directory.CreateDirectory(Path.Combine(work, "sample")).FullName;
            var sampleSource = Path.Combine(repositoryRoot, "integration", "SessionKeeper.Sample");
            foreach (var file in new[] { "Program.cs", "SessionKeeper.Sample.csproj" })
            {
                File.Copy(Path.Combine(sampleSource, file), Path.Combine(sample, file));
            }

            // The SDK the repository builds with.
            File.Copy(Path.Combine(repositoryRoot, "global.json"), Path.Combine(sample, "global.json"));
            File.WriteAllText(Path.Combine(sample, "NuGet.config"), NuGetConfig(feed, UsualPackageCache()));

            var output = Path.Combine(work, "out");
            (await dotnet.RunAsync(
                ["build", Path.Combine(sample, "SessionKeeper.Sample.csproj"), "-c", Configuration, "--disable-build-servers", "-nologo",
                 $"-p:SessionKeeperVersion={version}", "-o", output],
                new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Path.Combine(work, "packages") },
                BuildTimeout)).EnsureSuccess($"dotnet build of the sample against SessionKeeper {version}");

            var dll = Path.Combine(output, "SessionKeeper.Sample.dll");
            Assert.True(File.Exists(dll), $"the sample build made no {dll}");
            Assert.True(File.Exists(Path.Combine(output, "SessionKeeper.Core.dll")), "the package brought no SessionKeeper.Core.dll");
            var deps = File.ReadAllText(Path.Combine(output, "SessionKeeper.Sample.deps.json"));
            Assert.True(deps.Contains($"\"SessionKeeper/{version}\"", StringComparison.Ordinal), $"the sample's deps.json names no package SessionKeeper/{version}:\n{deps}");
            return new PackedSample(work, version, dll);
        }
        catch
        {
            Directory.Delete(work, recursive: true);
            throw;
        }
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static string NuGetConfig(string feed, string? fallback) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="sessionkeeper-under-test" value="{SecurityElement.Escape(feed)}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
          </packageSources>
          <packageSourceMapping>
            <packageSource key="sessionkeeper-under-test">
              <package pattern="SessionKeeper" />
            </packageSource>
            <packageSource key="nuget.org">
              <package pattern="*" />
            </packageSource>
          </packageSourceMapping>
          <fallbackPackageFolders>
            {(fallback is null ? "" : $"<add key=\"usual-cache\" value=\"{SecurityElement.Escape(fallback)}\" />")}
          </fallbackPackageFolders>
        </configuration>

        """;

    /// <summary>Where the solution's restore put the third-party packages: $NUGET_PACKAGES or ~/.nuget/packages.</summary>
    private static string? UsualPackageCache()
    {
        var configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        var cache = !string.IsNullOrEmpty(configured)
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Directory.Exists(cache) ? cache : null;
    }

    /// <summary>
    /// MSBuild settings `dotnet test` leaves in the test host's environment (MSBuildSDKsPath,
    /// MSBuildExtensionsPath...): a nested dotnet picks its own.
    /// </summary>
    private static IEnumerable<string> InheritedMsBuildVariables() =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase))
            .ToList();
}
