namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// Issue 4's tests kill supervisors and cut links at random moments on a 2-core machine: they share
/// one sshd and run one at a time, never beside another collection, so one test's load is not
/// another's flake. Each test has a local state directory (a "workstation") of its own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SupervisionTests : ICollectionFixture<SupervisionHost>
{
    public const string Name = "Supervision";
}
