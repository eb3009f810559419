using System.Security.Cryptography;

namespace SessionKeeper.Core.Jobs;

/// <summary>
/// Job ids are chosen by the client: short enough to type, unique enough never to collide, and
/// checked against an allow-list before any path or command is built from them.
/// </summary>
public static class JobId
{
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
    /// <summary>The longest id accepted.</summary>
    public const int MaxLength = 64;

    /// <summary>A new id such as "k7q2-m9xa-4fz8": 60 random bits, no look-alike characters.</summary>
    public static string New()
    {
        Span<char> chars = stackalloc char[14];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = i is 4 or 9 ? '-' : Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return new string(chars);
    }

    /// <summary>Lower-case letters, digits and inner dashes; no dots, slashes or leading dash.</summary>
    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || id[0] == '-' || id[^1] == '-')
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The id itself when <see cref="IsValid"/>; otherwise a <see cref="Failures.SessionKeeperException"/> of kind InvalidInput naming it.</summary>
    public static string Validate(string? id)
    {
        if (!IsValid(id))
        {
            throw new Failures.SessionKeeperException(
                Failures.FailureKind.InvalidInput,
                $"invalid job id '{id}': use lower-case letters, digits and inner dashes only (at most {MaxLength}).");
        }

        return id!;
    }

    /// <summary>A per-launch secret recorded on the target and placed in the job's environment.</summary>
    public static string NewCookie() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
