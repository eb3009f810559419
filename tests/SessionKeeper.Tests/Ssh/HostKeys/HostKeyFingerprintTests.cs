using SessionKeeper.Ssh.HostKeys;

namespace SessionKeeper.Tests.Ssh.HostKeys;

public class HostKeyFingerprintTests
{
    [Fact]
    public void MatchesAKnownSshKeygenFingerprint()
    {
        // `ssh-keygen -lf` printed "256 SHA256:9khTjUVLAfd3bcCTVe6hl3xPUJS09i7wua7tb254ZhA c1 (ED25519)" for this key.
        var blob = Convert.FromBase64String("AAAAC3NzaC1lZDI1NTE5AAAAIEsC2K6CcZVTKo+XpgBw0CpJof1yVJz5YZg7WhPvNMth");

        Assert.Equal("SHA256:9khTjUVLAfd3bcCTVe6hl3xPUJS09i7wua7tb254ZhA", HostKeyFingerprint.Sha256(blob));
    }

    [Fact]
    public void HasNoBase64Padding()
    {
        var fingerprint = HostKeyFingerprint.Sha256([1, 2, 3]);

        Assert.StartsWith("SHA256:", fingerprint);
        Assert.DoesNotContain('=', fingerprint);
        Assert.Equal("SHA256:".Length + 43, fingerprint.Length);
    }

    [Fact]
    public void NullIsRejected() =>
        Assert.Throws<ArgumentNullException>(() => HostKeyFingerprint.Sha256(null!));
}
