namespace SessionKeeper.Core.Jobs;

/// <summary>
/// Cryptographically secure random bytes for ids and cookies, without OpenSSL. On Linux,
/// <see cref="System.Security.Cryptography.RandomNumberGenerator"/> draws from OpenSSL, whose first
/// use loads libssl and libcrypto and reads openssl.cnf: about 3 ms of a CLI start that needs no
/// other cryptography when the daemon holds the connection (strace of a brokered `run -d`).
/// <see cref="Guid.NewGuid"/> draws from the runtime's own secure source on every platform
/// (getrandom or arc4random on Unix: the runtime made it so because programs use it as random
/// data, dotnet/runtime#42752); 122 of its 128 bits are random, the version and variant bits are
/// not, and are skipped here.
/// </summary>
internal static class SecureRandom
{
    public static void Fill(Span<byte> destination)
    {
        Span<byte> guid = stackalloc byte[16];
        var filled = 0;
        while (filled < destination.Length)
        {
            if (!Guid.NewGuid().TryWriteBytes(guid))
            {
                throw new InvalidOperationException("a Guid is 16 bytes.");
            }

            // Little-endian layout: byte 7 carries the version in its high nibble, byte 8 the
            // variant in its two high bits; bytes 0-6 and 9-15 are random throughout.
            for (var i = 0; i < guid.Length && filled < destination.Length; i++)
            {
                if (i is not 7 and not 8)
                {
                    destination[filled++] = guid[i];
                }
            }
        }
    }

    public static byte[] GetBytes(int count)
    {
        var bytes = new byte[count];
        Fill(bytes);
        return bytes;
    }

    /// <summary>A uniform integer in [0, <paramref name="toExclusive"/>), at most 256, by rejection of the bytes above the last whole multiple.</summary>
    public static int GetInt32(int toExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toExclusive);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(toExclusive, 256);
        var limit = 256 - (256 % toExclusive);
        Span<byte> one = stackalloc byte[1];
        while (true)
        {
            Fill(one);
            if (one[0] < limit)
            {
                return one[0] % toExclusive;
            }
        }
    }
}
