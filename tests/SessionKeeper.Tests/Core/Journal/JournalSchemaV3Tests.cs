using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Tests.Core.Journal;

/// <summary>Schema 3: an endpoint's resolved ssh settings (jump hosts included) are journaled; older rows have none.</summary>
public sealed class JournalSchemaV3Tests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sk-journal-v3-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Endpoint_settings_and_jump_hosts_survive_the_journal()
    {
        var hop = new JobEndpoint("jump", "bastion", 2201, ["/k/j"], ["/kh"], TimeSpan.FromSeconds(3)) { Settings = new EndpointSettings { HostKeyAlias = "b", StrictHostKeyChecking = "accept-new" } };
        var settings = new EndpointSettings
        {
            JumpHosts = [hop],
            GlobalKnownHostsFiles = ["/etc/ssh/ssh_known_hosts"],
            StrictHostKeyChecking = "ask",
            HashKnownHosts = true,
            UseAgent = true,
            IdentitiesOnly = true,
            CertificateFiles = ["/k/c-cert.pub"],
            KexAlgorithms = ["curve25519-sha256"],
            ServerAliveInterval = 10,
            ServerAliveCountMax = 5,
        };
        var journal = JobJournal.Open(_dir);
        journal.AddIntent(new JournalJob
        {
            Id = JobId.Parse("v3-job"),
            Endpoint = new JobEndpoint("u", "h", 22, ["/k"], ["/kh"], TimeSpan.FromSeconds(15)) { Settings = settings },
            Cookie = JobCookie.Parse("c"),
            Spec = new JobSpec("true"),
            Phase = JournalPhase.Intent,
            CreatedAt = DateTimeOffset.UtcNow,
        });

        var back = JobJournal.Open(_dir).Get(JobId.Parse("v3-job"))!.Endpoint.Settings!;

        Assert.Equal("ask", back.StrictHostKeyChecking);
        Assert.True(back.HashKnownHosts && back.UseAgent && back.IdentitiesOnly);
        Assert.Equal(["/etc/ssh/ssh_known_hosts"], back.GlobalKnownHostsFiles);
        Assert.Equal(["/k/c-cert.pub"], back.CertificateFiles);
        Assert.Equal(["curve25519-sha256"], back.KexAlgorithms);
        Assert.Equal((10, 5), (back.ServerAliveInterval, back.ServerAliveCountMax));
        var backHop = Assert.Single(back.JumpHosts);
        Assert.Equal("jump@bastion:2201", backHop.Label);
        Assert.Equal("b", backHop.Settings!.HostKeyAlias);
        Assert.Equal("accept-new", backHop.Settings.StrictHostKeyChecking);
    }

    [Fact]
    public void The_v1_fixture_migrates_to_the_current_version_and_its_rows_have_no_settings()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "journal-v1.db"), Path.Combine(_dir, JobJournal.FileName));

        var journal = JobJournal.Open(_dir);

        var old = journal.Get(JobId.Parse("v1old-job1"))!;
        Assert.Null(old.Endpoint.Settings);
        Assert.Equal(2222, old.Endpoint.Port);
        Assert.Equal(JournalSchema.Current, journal.Run(c =>
        {
            using var version = c.CreateCommand();
            version.CommandText = "SELECT value FROM meta WHERE key = 'schema_version'";
            return int.Parse((string)version.ExecuteScalar()!, System.Globalization.CultureInfo.InvariantCulture);
        }));
    }
}
