using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// The streaming tests that cut links at random moments or measure detection and memory: they
/// run one at a time, beside the other collections, started first as the suite's longest
/// collection (<see cref="LongRunningAttribute"/>). Every bound they check holds on a busy
/// machine (scripts/test-loaded.sh): a generous deadline, the CLI's own peak memory. A
/// streaming class that measures neither time nor memory (binary output, Ctrl-C, a second
/// attach, the README's sample through one reset) is not in it and runs beside the others at
/// any time, on the <see cref="StreamHost"/> it has anyway.
/// </summary>
[CollectionDefinition(Name)]
[LongRunning(280)]
public sealed class StreamingTests
{
    public const string Name = "Streaming";
}
