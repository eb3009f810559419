using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// Fleet runs against many simulated hosts: one <see cref="FleetHost"/> (two OpenSSH sshd and an
/// optional Dropbear) shared by the collection, one <see cref="FleetLab"/> of proxies per test, so
/// its classes run one after another. The collection runs beside the others, as every test must
/// pass on a busy machine: what its tests time or measure has a bound no load reaches (a
/// connection gauge of the test's own proxies, the CLI's own peak memory, a generous deadline).
/// A fleet class that needs no shared host (max-failures with -j 1, batch retry and kill, hostile
/// output, host names, inventories, output modes, stdin to every host, the terminal, the web view)
/// has a <see cref="FleetHost"/> of its own as a class fixture instead.
/// </summary>
[CollectionDefinition(Name)]
[LongRunning(70)]
public sealed class FleetTests : ICollectionFixture<FleetHost>
{
    public const string Name = "Fleet";
}
