using Renci.SshNet.Security;

namespace SessionKeeper.Ssh.Auth;

/// <summary>
/// An SSH.NET publickey algorithm whose blob and signer are supplied separately: SSH.NET sends
/// <see cref="Data"/> (a plain key or a certificate) in the query, and calls <see cref="Sign"/>
/// only once the server has said it would accept that key, so a passphrase is asked for only then.
/// </summary>
internal sealed class SigningHostAlgorithm(string name, byte[] data, Func<byte[], byte[]> sign) : HostAlgorithm(name)
{
    public override byte[] Data => data;

    public override byte[] Sign(byte[] data) => sign(data);

    /// <summary>Never used for client authentication; a client key verifies nothing here.</summary>
    public override bool VerifySignature(byte[] data, byte[] signature) => false;
}

/// <summary>One key, as SSH.NET's <see cref="Renci.SshNet.PrivateKeyAuthenticationMethod"/> takes it.</summary>
internal sealed class KeyOffer(string description, IReadOnlyCollection<HostAlgorithm> algorithms) : Renci.SshNet.IPrivateKeySource
{
    public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms => algorithms;

    public override string ToString() => description;
}
