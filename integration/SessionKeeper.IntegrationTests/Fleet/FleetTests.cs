namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// Fleet runs against many simulated hosts: one <see cref="FleetHost"/> (two OpenSSH sshd and an
/// optional Dropbear) shared by the collection, one <see cref="FleetLab"/> of proxies per test.
/// xunit runs such collections after all the others, one class after another: the suite's
/// longest path. A fleet class that cuts no link, kills no supervisor and measures neither time
/// nor memory (max-failures with -j 1, batch retry and kill, hostile output, host names,
/// inventories, output modes, stdin to every host, the terminal, the web view) is not in it: it
/// has a <see cref="FleetHost"/> of its own as a class fixture and runs beside the others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FleetTests : ICollectionFixture<FleetHost>
{
    public const string Name = "Fleet";
}
