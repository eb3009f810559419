using System.Text;
using System.Text.Json;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh.Broker;

namespace SessionKeeper.Tests.Ssh.Broker;

/// <summary>The Start frame: the job a CLI made reaches the daemon exactly as the CLI would have journaled it; a malformed one is refused, never guessed.</summary>
public sealed class StartRequestTests
{
    private static readonly JobEndpoint Endpoint = new("deploy", "web1", 2222, ["/home/u/.ssh/id_ed25519"], ["/home/u/.ssh/known_hosts"], TimeSpan.FromSeconds(7))
    {
        Settings = new EndpointSettings
        {
            JumpHosts = [new JobEndpoint("j", "bastion", 22, ["/k"], [], TimeSpan.FromSeconds(3)) { Settings = new EndpointSettings { BatchMode = true } }, new JobEndpoint("j2", "inner", 2200, [], ["/kh"], TimeSpan.FromSeconds(4))],
            GlobalKnownHostsFiles = ["/etc/ssh/ssh_known_hosts"],
            StrictHostKeyChecking = "accept-new",
            HashKnownHosts = true,
            HostKeyAlias = "alias",
            UseAgent = true,
            IdentitiesOnly = true,
            CertificateFiles = ["/home/u/.ssh/id-cert.pub"],
            BatchMode = true,
            PasswordAuthentication = true,
            KexAlgorithms = ["curve25519-sha256", "ecdh-sha2-nistp256"],
            ServerAliveInterval = 15,
            ServerAliveCountMax = 4,
        },
    };

    [Fact]
    public void Every_field_of_the_job_crosses_as_made()
    {
        var spec = new JobSpec("ignored", "/srv/app", [new("A", "1"), new("NAME_✓", "x y\nz")], "/bin/bash", TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(4))
            .WithCommand([0x65, 0x63, 0x68, 0x6F, 0x20, 0xFF, 0xFE]); // not UTF-8: the raw bytes run
        var draft = JobPlanner.Draft(JobId.Parse("nightly-1"), Endpoint, spec, new RestartPolicy(RestartMode.OnFailure, 5, TimeSpan.FromSeconds(2.5)), "/cli/state", DateTimeOffset.UtcNow);
        var sent = new StartRequest("/cli/state/journal.db", draft, CanPrompt: true);

        var received = StartRequest.Decode(new BrokerFrame(BrokerFrameType.Start, 1, sent.Encode()).Body, "/daemon/state");

        Assert.Equal(("/cli/state/journal.db", true), (received.Journal, received.CanPrompt));
        var job = received.Job;
        Assert.Equal((draft.Id, draft.Cookie, draft.Restart, JournalPhase.Planned, 1), (job.Id, job.Cookie, job.Restart, job.Phase, job.Attempt));
        Assert.Equal(Json(Endpoint), Json(job.Endpoint));
        Assert.Equal(["bastion", "inner"], job.Endpoint.Settings!.JumpHosts.Select(h => h.Host));
        Assert.Equal(spec.CommandBytes, job.Spec.CommandBytes);
        Assert.NotNull(job.Spec.RawCommand);
        Assert.Equal((spec.WorkingDirectory, spec.Shell, spec.Timeout, spec.Grace), (job.Spec.WorkingDirectory, job.Spec.Shell, job.Spec.Timeout, job.Spec.Grace));
        Assert.Equal(spec.Environment, job.Spec.Environment);
        Assert.Equal(StateLayout.Mirror("/daemon/state", Endpoint.Label, draft.Id), job.MirrorPath);
    }

    [Fact]
    public void A_spec_without_options_stays_without_them()
    {
        var draft = JobPlanner.Draft(JobId.New(), Endpoint, new JobSpec("echo ✓"), RestartPolicy.None, "/s", DateTimeOffset.UtcNow);

        var job = StartRequest.Decode(new StartRequest("/s/journal.db", draft, CanPrompt: false).Encode(), "/s").Job;

        Assert.Equal("echo ✓", job.Spec.Command);
        Assert.Null(job.Spec.RawCommand);
        Assert.Equal((string?)null, job.Spec.WorkingDirectory);
        Assert.Null(job.Spec.Environment);
        Assert.Equal((string?)null, job.Spec.Shell);
        Assert.Equal(((TimeSpan?)null, (TimeSpan?)null), (job.Spec.Timeout, job.Spec.Grace));
        Assert.Equal(RestartPolicy.None, job.Restart);
    }

    [Fact]
    public void A_cut_padded_or_forged_start_is_malformed()
    {
        var draft = JobPlanner.Draft(JobId.New(), Endpoint, new JobSpec("true"), RestartPolicy.None, "/s", DateTimeOffset.UtcNow);
        var whole = new StartRequest("/s/journal.db", draft, CanPrompt: false).Encode();

        Assert.Throws<IOException>(() => StartRequest.Decode(whole[..^3], "/s"));
        Assert.Throws<IOException>(() => StartRequest.Decode([.. whole, 0], "/s"));
        var named = new StartRequest("/s/journal.db", draft with { Id = JobId.Parse("forgeme1") }, CanPrompt: false).Encode();
        var at = named.AsSpan().IndexOf("forgeme1"u8);
        "../etc/x"u8.CopyTo(named.AsSpan(at));
        Assert.Throws<IOException>(() => StartRequest.Decode(named, "/s"));
        Assert.Throws<IOException>(() => StartRequest.Decode(Encoding.UTF8.GetBytes("x"), "/s"));
    }

    /// <summary>The endpoint crosses as fields, not as the journal's JSON: a member added to either record must be added to the frame too.</summary>
    [Fact]
    public void The_frame_knows_every_member_of_an_endpoint()
    {
        Assert.Equal(13, typeof(EndpointSettings).GetProperties().Length);
        Assert.Equal(["ConnectTimeout", "Host", "IdentityFiles", "KnownHostsFiles", "Label", "Port", "Settings", "User"], typeof(JobEndpoint).GetProperties().Select(p => p.Name).Order());
    }

    private static string Json(JobEndpoint endpoint) => JsonSerializer.Serialize(endpoint, EndpointJson.Default.JobEndpoint);
}
