using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// Issue 4's tests kill supervisors and cut links at random moments: they share one sshd and run
/// one at a time, beside the other collections, started first (<see cref="LongRunningAttribute"/>);
/// every bound they check holds on a busy machine (scripts/test-loaded.sh). Each test has a local
/// state directory (a "workstation") of its own. A supervision class that measures no time and
/// cuts nothing at a random moment (a refused or crashed launch, a policy, the state directory, a
/// large batch, an old or corrupt journal) is not in it: it has a <see cref="SupervisionHost"/> of
/// its own as a class fixture and runs beside the others.
/// </summary>
[CollectionDefinition(Name)]
[LongRunning(210)]
public sealed class SupervisionTests : ICollectionFixture<SupervisionHost>
{
    public const string Name = "Supervision";
}
