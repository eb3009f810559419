using SessionKeeper.Ssh.HostKeys;

namespace SessionKeeper.Tests.Ssh.HostKeys;

/// <summary>
/// OpenSSH 9.2's check_host_key() decisions, case by case (the differential against the real ssh
/// is in the integration tests, OpenSsh/HostKeyDifferentialTests).
/// </summary>
public class HostKeyPolicyTests
{
    private static readonly TestKey Host = TestKeys.Ed25519A;
    private static readonly TestKey Ca = TestKeys.Ed25519B;
    private static readonly TestKey OtherCa = TestKeys.Ed25519C;
    private static readonly TestKey Rsa = TestKeys.RsaA;
    private static readonly TestKey Ecdsa = TestKeys.Ecdsa256;
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly HostKeyLookup At2222 = new("server.test", 2222);

    private static HostCertificate Certificate(
        TestKey? ca = null, string[]? principals = null, ulong after = 0, ulong before = ulong.MaxValue, bool host = true, string[]? critical = null) =>
        new((ca ?? Ca).Blob, host, principals ?? ["server.test"], after, before, critical ?? []);

    private static HostKeyDecision Check(string knownHosts, HostKeyLookup? lookup = null, TestKey? key = null, HostCertificate? certificate = null)
    {
        key ??= Host;
        return HostKeyPolicy.Check(KnownHostsDatabase.Parse(knownHosts, "kh"), lookup ?? At2222, key.Type, key.Blob, certificate, Now);
    }

    [Fact]
    public void A_plain_key_under_host_and_port_is_trusted()
    {
        Assert.Equal(HostKeyMatch.Trusted, Check($"[server.test]:2222 {Host.KeyText}").Match);
    }

    [Fact]
    public void A_key_listed_without_the_port_is_trusted_too_as_ssh_retries_without_it()
    {
        var decision = Check($"server.test {Host.KeyText}");

        Assert.Equal(HostKeyMatch.Trusted, decision.Match);
        Assert.Equal("kh:1", decision.Detail);
    }

    [Fact]
    public void The_portless_retry_only_trusts_it_never_changes_or_revokes()
    {
        Assert.Equal(HostKeyMatch.Unknown, Check($"server.test {Rsa.KeyText}").Match);
        Assert.Equal(HostKeyMatch.Unknown, Check($"@revoked server.test {Host.KeyText}\nserver.test {Host.KeyText}").Match);
    }

    [Fact]
    public void A_changed_key_under_host_and_port_is_not_rescued_by_the_portless_entry()
    {
        Assert.Equal(HostKeyMatch.Changed, Check($"[server.test]:2222 {Ca.KeyText}\nserver.test {Host.KeyText}").Match);
    }

    [Fact]
    public void A_host_known_only_by_other_key_types_has_changed_as_ssh_compares_every_key()
    {
        var decision = Check($"[server.test]:2222 {Ecdsa.KeyText}");

        Assert.Equal(HostKeyMatch.Changed, decision.Match);
        Assert.Contains("ecdsa-sha2-nistp256 key in kh:1", decision.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_is_looked_up_alone_without_port_retry()
    {
        var alias = At2222 with { Alias = "nick" };

        Assert.Equal(HostKeyMatch.Trusted, Check($"nick {Host.KeyText}", alias).Match);
        Assert.Equal(HostKeyMatch.Unknown, Check($"[server.test]:2222 {Host.KeyText}\nserver.test {Host.KeyText}", alias).Match);
    }

    [Fact]
    public void Revoked_wins_over_a_plain_entry()
    {
        Assert.Equal(HostKeyMatch.Revoked, Check($"[server.test]:2222 {Host.KeyText}\n@revoked * {Host.KeyText}").Match);
    }

    [Fact]
    public void A_certificate_from_a_listed_ca_for_this_host_is_trusted()
    {
        var decision = Check($"@cert-authority *.test {Ca.KeyText}", certificate: Certificate());

        Assert.Equal(HostKeyMatch.Trusted, decision.Match);
        Assert.Null(decision.CertificateProblem);
        Assert.Contains("@cert-authority in kh:1", decision.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_without_principals_is_valid_for_any_host()
    {
        Assert.Equal(HostKeyMatch.Trusted, Check($"@cert-authority * {Ca.KeyText}", certificate: Certificate(principals: [])).Match);
    }

    [Theory]
    [InlineData("expired", "Certificate invalid: expired")]
    [InlineData("not yet valid", "Certificate invalid: not yet valid")]
    [InlineData("wrong principal", "name is not a listed principal")]
    [InlineData("user certificate", "not a host certificate")]
    [InlineData("critical option", "unsupported critical options")]
    public void An_invalid_certificate_falls_back_to_its_plain_key(string what, string reason)
    {
        var now = (ulong)Now.ToUnixTimeSeconds();
        var certificate = what switch
        {
            "expired" => Certificate(before: now),
            "not yet valid" => Certificate(after: now + 1),
            "wrong principal" => Certificate(principals: ["other.test"]),
            "user certificate" => Certificate(host: false),
            _ => Certificate(critical: ["force-command"]),
        };

        var refused = Check($"@cert-authority * {Ca.KeyText}", certificate: certificate);
        var rescued = Check($"@cert-authority * {Ca.KeyText}\n[server.test]:2222 {Host.KeyText}", certificate: certificate);

        Assert.Equal(HostKeyMatch.Unknown, refused.Match);
        Assert.Contains(reason, refused.CertificateProblem, StringComparison.Ordinal);
        Assert.Equal(HostKeyMatch.Trusted, rescued.Match);
    }

    [Fact]
    public void A_certificate_must_name_the_alias_when_there_is_one()
    {
        var alias = At2222 with { Alias = "nick" };

        Assert.Equal(HostKeyMatch.Unknown, Check($"@cert-authority nick {Ca.KeyText}", alias, certificate: Certificate()).Match);
        Assert.Equal(HostKeyMatch.Trusted, Check($"@cert-authority nick {Ca.KeyText}", alias, certificate: Certificate(principals: ["nick"])).Match);
    }

    [Fact]
    public void An_untrusted_ca_leaves_the_plain_key_to_decide()
    {
        Assert.Equal(HostKeyMatch.Unknown, Check($"@cert-authority * {OtherCa.KeyText}", certificate: Certificate()).Match);
        Assert.Equal(HostKeyMatch.Trusted, Check($"@cert-authority * {OtherCa.KeyText}\n[server.test]:2222 {Host.KeyText}", certificate: Certificate()).Match);
    }

    [Fact]
    public void A_revoked_ca_or_certified_key_refuses_the_certificate_for_good()
    {
        Assert.Equal(HostKeyMatch.Revoked, Check($"@cert-authority * {Ca.KeyText}\n@revoked * {Ca.KeyText}", certificate: Certificate()).Match);
        Assert.Equal(HostKeyMatch.Revoked, Check($"[server.test]:2222 {Host.KeyText}\n@revoked * {Ca.KeyText}", certificate: Certificate()).Match);
        Assert.Equal(HostKeyMatch.Revoked, Check($"@cert-authority * {Ca.KeyText}\n@revoked [server.test]:2222 {Host.KeyText}", certificate: Certificate()).Match);
    }

    [Fact]
    public void A_ca_listed_without_the_port_is_found_by_the_portless_retry()
    {
        Assert.Equal(HostKeyMatch.Trusted, Check($"@cert-authority server.test {Ca.KeyText}", certificate: Certificate()).Match);
    }

    [Theory]
    [InlineData(0UL, 100UL, 99L, null)]
    [InlineData(0UL, 100UL, 100L, "Certificate invalid: expired")]
    [InlineData(50UL, 100UL, 49L, "Certificate invalid: not yet valid")]
    [InlineData(50UL, 100UL, 50L, null)]
    public void Validity_is_after_inclusive_and_before_exclusive(ulong after, ulong before, long now, string? problem)
    {
        var certificate = new HostCertificate(Ca.Blob, true, [], after, before, []);

        Assert.Equal(problem, certificate.Problem("h", DateTimeOffset.FromUnixTimeSeconds(now)));
    }
}
