using Renci.SshNet;
using SessionKeeper.Ssh;

namespace SessionKeeper.Tests.Ssh;

/// <summary>
/// Key exchange order (issue 13): curve25519 before sntrup761, which costs about three times its
/// client CPU in SSH.NET (docs/GROUND.md); a KexAlgorithms from ssh_config decides instead.
/// </summary>
public class KexOrderTests
{
    private static List<string> LibraryOrder() =>
        [.. new ConnectionInfo("h", "u", new NoneAuthenticationMethod("u")).KeyExchangeAlgorithms.Keys];

    [Fact]
    public void Curve25519_comes_before_every_sntrup761_the_library_offers()
    {
        var info = new ConnectionInfo("h", "u", new NoneAuthenticationMethod("u"));

        AlgorithmOrder.Reorder(info.KeyExchangeAlgorithms, AlgorithmOrder.KeyExchange);

        var order = info.KeyExchangeAlgorithms.Keys.ToList();
        var sntrup = order.FindIndex(k => k.StartsWith("sntrup761", StringComparison.Ordinal));
        Assert.True(sntrup >= 0, $"SSH.NET no longer offers sntrup761: {string.Join(",", order)}");
        Assert.True(order.IndexOf("curve25519-sha256") < sntrup, string.Join(",", order));
        Assert.True(order.IndexOf("curve25519-sha256@libssh.org") < sntrup, string.Join(",", order));
        Assert.Equal(LibraryOrder().Order(StringComparer.Ordinal), order.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_configured_KexAlgorithms_is_offered_as_written()
    {
        var info = new ConnectionInfo("h", "u", new NoneAuthenticationMethod("u"));
        var sntrup = LibraryOrder().First(k => k.StartsWith("sntrup761", StringComparison.Ordinal));

        AlgorithmOrder.Restrict(info.KeyExchangeAlgorithms, [sntrup, "curve25519-sha256"]);

        Assert.Equal([sntrup, "curve25519-sha256"], info.KeyExchangeAlgorithms.Keys);
    }
}
