namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// Issue 4's tests kill supervisors and cut links at random moments on a 2-core machine: they share
/// one sshd and run one at a time, never beside another collection, so one test's load is not
/// another's flake. Each test has a local state directory (a "workstation") of its own.
/// xunit runs such collections after all the others, one class after another: the suite's
/// longest path. So a supervision class that measures no time and cuts nothing at a random moment
/// (a refused or crashed launch, a policy, the state directory, a large batch, an old or corrupt
/// journal) is not in it: it has a <see cref="SupervisionHost"/> of its own as a class fixture and
/// runs beside the others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SupervisionTests : ICollectionFixture<SupervisionHost>
{
    public const string Name = "Supervision";
}
