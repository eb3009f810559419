namespace SessionKeeper.Ssh.HostKeys;

/// <summary>Result of <see cref="KnownHostsDatabase.Check"/>.</summary>
/// <param name="Match">What the lookup found.</param>
/// <param name="KnownKeyTypes">
/// Key types of the non-revoked plain keys recorded for the host, in file order, without duplicates.
/// </param>
/// <param name="Detail">
/// Human-readable explanation naming the file:line of the relevant entry (for example the offending key).
/// </param>
internal sealed record HostKeyVerdict(HostKeyMatch Match, IReadOnlyList<string> KnownKeyTypes, string? Detail);
