using System.Text;
using SessionKeeper.Ssh.Agent;
using SessionKeeper.Ssh.Auth;

namespace SessionKeeper.Tests.Ssh.Auth;

/// <summary>The order keys are offered in: OpenSSH 9.2's pubkey_prepare().</summary>
public class AuthenticationPlanTests
{
    private static byte[] Blob(string name) => Encoding.ASCII.GetBytes(name);

    private static AgentIdentity Agent(string name) => new(Blob(name), name, "ssh-ed25519");

    private static KeyFile File(string name, bool encrypted = false) => new("/k/" + name, Blob(name), encrypted);

    private static CertificateFile Cert(string name, string key) => new("/k/" + name + "-cert.pub", Blob(name), "ssh-ed25519-cert-v01@openssh.com", Blob(key));

    private static List<string> Names(List<PlannedKey> plan) => [.. plan.Select(p => p switch
    {
        PlannedKey.AgentKey a => "agent:" + a.Identity.Comment,
        PlannedKey.FileKey f => "file:" + Path.GetFileName(f.File.Path),
        PlannedKey.CertificateWithAgentKey c => $"cert:{Path.GetFileName(c.Certificate.Path)}@agent",
        PlannedKey.CertificateWithFileKey c => $"cert:{Path.GetFileName(c.Certificate.Path)}@file",
        _ => "?",
    })];

    [Fact]
    public void Agent_keys_named_by_identity_files_come_first_then_other_agent_keys_then_files()
    {
        var plan = AuthenticationPlan.Build([Agent("a1"), Agent("k2"), Agent("a3")], [File("k1"), File("k2")], [], _ => null, identitiesOnly: false);

        Assert.Equal(["agent:k2", "agent:a1", "agent:a3", "file:k1"], Names(plan));
    }

    [Fact]
    public void IdentitiesOnly_drops_agent_keys_no_identity_file_names()
    {
        var plan = AuthenticationPlan.Build([Agent("a1"), Agent("k2")], [File("k1"), File("k2")], [], _ => null, identitiesOnly: true);

        Assert.Equal(["agent:k2", "file:k1"], Names(plan));
    }

    [Fact]
    public void A_key_cert_pub_follows_its_key_and_is_signed_by_the_agent_when_it_holds_the_key()
    {
        var certificates = new Dictionary<string, CertificateFile> { ["/k/k1"] = Cert("k1c", "k1"), ["/k/k2"] = Cert("k2c", "k2") };

        var plan = AuthenticationPlan.Build([Agent("k1")], [File("k1"), File("k2")], [], f => certificates.GetValueOrDefault(f.Path), identitiesOnly: true);

        Assert.Equal(["agent:k1", "cert:k1c-cert.pub@agent", "file:k2", "cert:k2c-cert.pub@file"], Names(plan));
    }

    [Fact]
    public void An_agent_held_certificate_matches_the_identity_files_certificate()
    {
        var agentCert = new AgentIdentity(Blob("k1c"), "k1c", "ssh-ed25519-cert-v01@openssh.com");

        var plan = AuthenticationPlan.Build([agentCert], [File("k1")], [], _ => Cert("k1c", "k1"), identitiesOnly: true);

        Assert.Equal(["agent:k1c", "file:k1"], Names(plan));
    }

    [Fact]
    public void CertificateFile_certificates_come_first_and_replace_the_default_cert_pub()
    {
        var plan = AuthenticationPlan.Build([Agent("a1")], [File("k1")], [Cert("x", "k1"), Cert("orphan", "nobody")], _ => Cert("k1c", "k1"), identitiesOnly: false);

        Assert.Equal(["cert:x-cert.pub@file", "agent:a1", "file:k1"], Names(plan));
    }
}
