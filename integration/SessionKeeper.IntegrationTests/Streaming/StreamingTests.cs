namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// The streaming tests measure timings (detection, memory) on a 2-core machine: they run one at a
/// time and never beside other collections, so one test's load is not another's flake.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StreamingTests
{
    public const string Name = "Streaming";
}
