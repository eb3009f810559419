using System.Diagnostics.CodeAnalysis;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Core.Jobs;

/// <summary>
/// A launch's secret, recorded on the target and placed in the job's environment: a retried launch
/// with the same id and cookie is recognised and never starts the job twice, and once the wrapper
/// is gone the cookie is what proves a process is the job.
/// </summary>
/// <remarks>
/// New cookies are 32 lower-case hex digits. Parsing accepts any non-empty run of up to
/// <see cref="MaxLength"/> ASCII letters, digits, dashes and underscores, so cookies written by
/// older clients into a journal still read back, and none can break the runner's quoting.
/// <c>default(JobCookie)</c> is not a cookie: its <see cref="Value"/> and <see cref="ToString"/>
/// throw <see cref="InvalidOperationException"/> rather than send an empty secret.
/// </remarks>
public readonly record struct JobCookie
{
    /// <summary>The longest cookie accepted.</summary>
    public const int MaxLength = 128;

    private readonly string? _value;

    /// <summary>The cookie <paramref name="cookie"/>, checked as <see cref="Parse"/> does.</summary>
    /// <exception cref="SessionKeeperException">With <see cref="FailureKind.InvalidInput"/> when <paramref name="cookie"/> is not a valid cookie.</exception>
    public JobCookie(string cookie)
    {
        if (!IsValid(cookie))
        {
            throw Invalid(cookie);
        }

        _value = cookie;
    }

    /// <summary>The cookie's text.</summary>
    /// <exception cref="InvalidOperationException">On <c>default(JobCookie)</c>, which is no cookie.</exception>
    public string Value => _value ?? throw new InvalidOperationException("default(JobCookie) is not a launch cookie.");

    /// <summary>True for <c>default(JobCookie)</c>, which is no cookie.</summary>
    public bool IsDefault => _value is null;

    /// <summary>A new cookie: 128 random bits as 32 lower-case hex digits.</summary>
    public static JobCookie New() => new(Convert.ToHexStringLower(SecureRandom.GetBytes(16)));

    /// <summary>ASCII letters, digits, dashes and underscores, 1 to <see cref="MaxLength"/> of them.</summary>
    public static bool IsValid([NotNullWhen(true)] string? cookie) =>
        !string.IsNullOrEmpty(cookie) && cookie.Length <= MaxLength && cookie.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The cookie <paramref name="cookie"/> when it <see cref="IsValid"/>; otherwise a <see cref="SessionKeeperException"/> of kind InvalidInput.</summary>
    /// <exception cref="SessionKeeperException">With <see cref="FailureKind.InvalidInput"/> when <paramref name="cookie"/> is not a valid cookie.</exception>
    public static JobCookie Parse(string? cookie) => IsValid(cookie) ? new JobCookie(cookie) : throw Invalid(cookie);

    /// <summary>The cookie <paramref name="cookie"/> when it <see cref="IsValid"/>, without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? cookie, out JobCookie result)
    {
        result = IsValid(cookie) ? new JobCookie(cookie) : default;
        return !result.IsDefault;
    }

    /// <summary>The cookie's text, as the runner and the journal hold it.</summary>
    /// <exception cref="InvalidOperationException">On <c>default(JobCookie)</c>, which is no cookie.</exception>
    public override string ToString() => Value;

    // The secret itself stays out of the message: it may end up in a log.
    private static SessionKeeperException Invalid(string? cookie) => new(
        FailureKind.InvalidInput,
        $"invalid launch cookie ({cookie?.Length ?? 0} characters): use ASCII letters, digits, dashes and underscores only (at most {MaxLength}).");
}
