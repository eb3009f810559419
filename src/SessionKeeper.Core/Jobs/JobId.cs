using System.Diagnostics.CodeAnalysis;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Core.Jobs;

/// <summary>
/// A job's id. Ids are chosen by the client: short enough to type, unique enough never to collide,
/// and checked against an allow-list before any path or command is built from them. A value of
/// this type has passed that check, so it can name a directory on the target or a journal row as is.
/// </summary>
/// <remarks>
/// <c>default(JobId)</c> is not an id: its <see cref="Value"/> and <see cref="ToString"/> throw
/// <see cref="InvalidOperationException"/>, so a forgotten id can never reach a path, a journal row
/// or the runner as an empty string. Use <see cref="IsDefault"/> to test for it.
/// </remarks>
public readonly record struct JobId : IComparable<JobId>
{
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    /// <summary>The longest id accepted.</summary>
    public const int MaxLength = 64;

    private readonly string? _value;

    /// <summary>The id <paramref name="id"/>, checked as <see cref="Parse"/> does.</summary>
    /// <exception cref="SessionKeeperException">With <see cref="FailureKind.InvalidInput"/> when <paramref name="id"/> is not a valid id.</exception>
    public JobId(string id)
    {
        if (!IsValid(id))
        {
            throw Invalid(id);
        }

        _value = id;
    }

    /// <summary>The id's text: lower-case letters, digits and inner dashes.</summary>
    /// <exception cref="InvalidOperationException">On <c>default(JobId)</c>, which names no job.</exception>
    public string Value => _value ?? throw new InvalidOperationException("default(JobId) is not a job id.");

    /// <summary>True for <c>default(JobId)</c>, which names no job.</summary>
    public bool IsDefault => _value is null;

    /// <summary>A new id such as "k7q2-m9xa-4fz8": 60 random bits, no look-alike characters.</summary>
    public static JobId New()
    {
        Span<char> chars = stackalloc char[14];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = i is 4 or 9 ? '-' : Alphabet[SecureRandom.GetInt32(Alphabet.Length)];
        }

        return new JobId(new string(chars));
    }

    /// <summary>Lower-case letters, digits and inner dashes; no dots, slashes or leading dash.</summary>
    public static bool IsValid([NotNullWhen(true)] string? id)
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

    /// <summary>The id <paramref name="id"/> when it <see cref="IsValid"/>; otherwise a <see cref="SessionKeeperException"/> of kind InvalidInput naming it.</summary>
    /// <exception cref="SessionKeeperException">With <see cref="FailureKind.InvalidInput"/> when <paramref name="id"/> is not a valid id.</exception>
    public static JobId Parse(string? id) => IsValid(id) ? new JobId(id) : throw Invalid(id);

    /// <summary>The id <paramref name="id"/> when it <see cref="IsValid"/>, without throwing: for text that may be something else (a prefix, a reply field).</summary>
    public static bool TryParse([NotNullWhen(true)] string? id, out JobId result)
    {
        result = IsValid(id) ? new JobId(id) : default;
        return !result.IsDefault;
    }

    /// <summary>Ordinal order of the ids' text, as the journal's <c>ORDER BY id</c> sorts them; <c>default(JobId)</c> first.</summary>
    public int CompareTo(JobId other) => string.CompareOrdinal(_value, other._value);

    /// <summary>Whether <paramref name="left"/> sorts before <paramref name="right"/> (<see cref="CompareTo"/>).</summary>
    public static bool operator <(JobId left, JobId right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> sorts before or with <paramref name="right"/> (<see cref="CompareTo"/>).</summary>
    public static bool operator <=(JobId left, JobId right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> sorts after <paramref name="right"/> (<see cref="CompareTo"/>).</summary>
    public static bool operator >(JobId left, JobId right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> sorts after or with <paramref name="right"/> (<see cref="CompareTo"/>).</summary>
    public static bool operator >=(JobId left, JobId right) => left.CompareTo(right) >= 0;

    /// <summary>The id's text, as the runner, the journal and the user see it.</summary>
    /// <exception cref="InvalidOperationException">On <c>default(JobId)</c>, which names no job.</exception>
    public override string ToString() => Value;

    private static SessionKeeperException Invalid(string? id) => new(
        FailureKind.InvalidInput,
        $"invalid job id '{id}': use lower-case letters, digits and inner dashes only (at most {MaxLength}).");
}
