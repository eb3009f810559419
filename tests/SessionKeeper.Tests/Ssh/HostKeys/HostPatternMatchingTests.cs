using SessionKeeper.Ssh.HostKeys;

namespace SessionKeeper.Tests.Ssh.HostKeys;

public class HostPatternMatchingTests
{
    private static readonly TestKey Key = TestKeys.Ed25519A;

    private static bool Matches(string hostField, string host, int port = 22) =>
        KnownHostsDatabase.Parse($"{hostField} {Key.KeyText}\n").EntriesFor(host, port).Count == 1;

    [Theory]
    [InlineData("example.com", "example.com", true)]
    [InlineData("example.com", "www.example.com", false)]
    [InlineData("example.com", "example.co", false)]
    [InlineData("Example.COM", "example.com", true)]
    [InlineData("example.com", "EXAMPLE.com", true)]
    [InlineData("a.test,example.com,b.test", "example.com", true)]
    [InlineData("a.test,b.test", "example.com", false)]
    public void PlainNames(string hostField, string host, bool expected) =>
        Assert.Equal(expected, Matches(hostField, host));

    [Theory]
    [InlineData("192.0.2.10", "192.0.2.10", true)]
    [InlineData("192.0.2.10", "192.0.2.1", false)]
    [InlineData("server.test,192.0.2.10", "192.0.2.10", true)]
    [InlineData("192.0.2.*", "192.0.2.77", true)]
    [InlineData("2001:db8::1", "2001:db8::1", true)]
    [InlineData("[2001:db8::1]:2222", "2001:db8::1", false)]
    public void IpAddresses(string hostField, string host, bool expected) =>
        Assert.Equal(expected, Matches(hostField, host));

    [Theory]
    [InlineData("[example.com]:2222", "example.com", 2222, true)]
    [InlineData("[example.com]:2222", "example.com", 22, false)]
    [InlineData("[example.com]:2222", "example.com", 2200, false)]
    [InlineData("example.com", "example.com", 2222, false)]
    [InlineData("[example.com]:22", "example.com", 22, false)]
    [InlineData("[192.0.2.10]:8022", "192.0.2.10", 8022, true)]
    [InlineData("[2001:db8::1]:2222", "2001:db8::1", 2222, true)]
    [InlineData("[*.example.com]:2222", "db.example.com", 2222, true)]
    [InlineData("*.example.com", "db.example.com", 2222, false)]
    [InlineData("*", "db.example.com", 2222, true)]
    public void PortsUseBracketedNames(string hostField, string host, int port, bool expected) =>
        Assert.Equal(expected, Matches(hostField, host, port));

    [Theory]
    [InlineData("*.example.com", "db.example.com", true)]
    [InlineData("*.example.com", "a.b.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*", "anything", true)]
    [InlineData("db?.example.com", "db1.example.com", true)]
    [InlineData("db?.example.com", "db.example.com", false)]
    [InlineData("db?.example.com", "db12.example.com", false)]
    [InlineData("*.EXAMPLE.com", "db.example.COM", true)]
    [InlineData("d*b*.test", "dxxbyy.test", true)]
    [InlineData("d*b*.test", "dxxyy.test", false)]
    [InlineData("**.test", "x.test", true)]
    [InlineData("*?", "x", true)]
    [InlineData("?*?", "x", false)]
    [InlineData("a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    [InlineData("ex[a]mple.com", "ex[a]mple.com", true)]
    [InlineData("ex[a]mple.com", "example.com", false)]
    public void Wildcards(string hostField, string host, bool expected) =>
        Assert.Equal(expected, Matches(hostField, host));

    [Theory]
    [InlineData("*.example.com,!bastion.example.com", "db.example.com", true)]
    [InlineData("*.example.com,!bastion.example.com", "bastion.example.com", false)]
    [InlineData("!bastion.example.com,*.example.com", "bastion.example.com", false)]
    [InlineData("!bastion.example.com,*.example.com", "web.example.com", true)]
    [InlineData("!*.internal,*", "db.internal", false)]
    [InlineData("!*.internal,*", "db.external", true)]
    [InlineData("!db.internal", "db.internal", false)]
    [InlineData("!db.internal", "web.internal", false)]
    [InlineData("*.example.com,!BASTION.example.com", "bastion.example.com", false)]
    public void NegationWinsOverPositiveMatches(string hostField, string host, bool expected) =>
        Assert.Equal(expected, Matches(hostField, host));

    [Fact]
    public void HashedEntryMatchesOnlyTheExactLookupName()
    {
        var salt = Enumerable.Range(1, 20).Select(i => (byte)i).ToArray();
        var field = KnownHostsDatabase.HashHostPattern("db.example.com", salt);

        Assert.True(Matches(field, "db.example.com"));
        Assert.True(Matches(field, "DB.Example.com"));
        Assert.False(Matches(field, "db.example.com", 2222));
        Assert.False(Matches(field, "example.com"));
        Assert.False(Matches(field, "*.example.com"));
    }

    [Fact]
    public void HashedEntryForNonStandardPortHashesTheBracketedName()
    {
        var field = KnownHostsDatabase.HashHostPattern("[db.example.com]:2222");

        Assert.True(Matches(field, "db.example.com", 2222));
        Assert.False(Matches(field, "db.example.com"));
    }

    [Fact]
    public void HashedFieldWithCommaIsComparedWhole()
    {
        var field = KnownHostsDatabase.HashHostPattern("db.example.com") + ",other.test";

        Assert.False(Matches(field, "db.example.com"));
        Assert.False(Matches(field, "other.test"));
    }

    [Fact]
    public void FormatHostPatternUsesBracketsOnlyForOtherPorts()
    {
        Assert.Equal("example.com", KnownHostsDatabase.FormatHostPattern("example.com", 22));
        Assert.Equal("[example.com]:2222", KnownHostsDatabase.FormatHostPattern("example.com", 2222));
        Assert.Equal("[2001:db8::1]:443", KnownHostsDatabase.FormatHostPattern("2001:db8::1", 443));
        Assert.Equal("[Example.com]:2222", KnownHostsDatabase.FormatHostPattern("Example.com", 2222));
        Assert.Equal("[example.com]:2222", KnownHostsDatabase.LookupName("Example.com", 2222));
        Assert.Throws<ArgumentOutOfRangeException>(() => KnownHostsDatabase.FormatHostPattern("h", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => KnownHostsDatabase.FormatHostPattern("h", 65536));
        Assert.Throws<ArgumentException>(() => KnownHostsDatabase.FormatHostPattern("", 22));
    }

    [Fact]
    public void HashHostPatternIsDeterministicForAGivenSaltAndLowerCasesTheName()
    {
        var salt = new byte[20];
        var a = KnownHostsDatabase.HashHostPattern("Example.com", salt);
        var b = KnownHostsDatabase.HashHostPattern("example.com", salt);

        Assert.Equal(a, b);
        Assert.StartsWith("|1|AAAAAAAAAAAAAAAAAAAAAAAAAAA=|", a);
        Assert.NotEqual(KnownHostsDatabase.HashHostPattern("example.com"), KnownHostsDatabase.HashHostPattern("example.com"));
        Assert.Throws<ArgumentException>(() => KnownHostsDatabase.HashHostPattern("example.com", new byte[16]));
    }

    [Fact]
    public void HashHostPatternMatchesAKnownVector()
    {
        // HMAC-SHA1(key = 20 zero bytes, "example.com"), computed independently with openssl.
        var hashed = KnownHostsDatabase.HashHostPattern("example.com", new byte[20]);

        Assert.Equal("|1|AAAAAAAAAAAAAAAAAAAAAAAAAAA=|SRGPNbcAE3KPE3b6HB7fQ9J/69c=", hashed);
    }
}
