namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// Fleet runs against many simulated hosts: one <see cref="FleetHost"/> (two OpenSSH sshd and an
/// optional Dropbear) shared by the collection, one <see cref="FleetLab"/> of proxies per test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FleetTests : ICollectionFixture<FleetHost>
{
    public const string Name = "Fleet";
}
