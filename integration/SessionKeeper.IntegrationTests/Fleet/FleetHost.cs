using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// The servers behind every simulated host of the Fleet collection: <see cref="Sshd"/> accepts the
/// fixture's key, <see cref="LockedSshd"/> accepts no key at all (AuthorizedKeysFile none), and
/// <see cref="Dropbear"/> (when installed and running as root) serves <see cref="FleetUser"/> too.
/// Hosts are <see cref="FaultProxy"/> ports in front of them, made per test by <see cref="NewLab"/>.
/// </summary>
public sealed class FleetHost : IAsyncLifetime
{
    private SshdFixture? _sshd;
    private SshdFixture? _locked;

    public SshdFixture Sshd => _sshd ?? throw new InvalidOperationException("sshd is not started.");

    public SshdFixture LockedSshd => _locked ?? throw new InvalidOperationException("sshd is not started.");

    public DropbearServer? Dropbear { get; private set; }

    public CliRunner Cli { get; } = CliRunner.ForSessionKeeper();

    public async Task InitializeAsync()
    {
        var started = await Task.WhenAll(
            SshdFixture.StartAsync(),
            SshdFixture.StartAsync(new SshdOptions { ExtraConfig = "AuthorizedKeysFile none" }));
        (_sshd, _locked) = (started[0], started[1]);
        await FleetUser.EnsureAsync(await File.ReadAllTextAsync(Sshd.UserPublicKeyPath));
        if (DropbearServer.IsAvailable)
        {
            Dropbear = await DropbearServer.StartAsync(Sshd.TempDir);
        }
    }

    public async Task DisposeAsync()
    {
        if (Dropbear is not null)
        {
            await Dropbear.DisposeAsync();
        }

        if (_sshd is not null)
        {
            await FleetUser.RevokeAsync(await File.ReadAllTextAsync(_sshd.UserPublicKeyPath));
        }

        foreach (var sshd in new[] { _sshd, _locked })
        {
            if (sshd is not null)
            {
                await sshd.DisposeAsync();
            }
        }
    }

    /// <summary>A new set of hosts with its own local state directory, counters and batch id.</summary>
    public FleetLab NewLab(string name) => new(this, name);
}
