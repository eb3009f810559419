namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// The streaming tests measure timings (detection, memory) on a 2-core machine: they run one at a
/// time and never beside other collections, so one test's load is not another's flake. xunit
/// runs such collections after all the others, one class after another: the suite's longest
/// path. A streaming class that measures neither time nor memory (binary output, Ctrl-C, a second
/// attach, the README's sample through one reset) is not in it and runs beside the others, on the
/// <see cref="StreamHost"/> it has anyway.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StreamingTests
{
    public const string Name = "Streaming";
}
