using SessionKeeper.Core.Failures;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// A target list, host file or inventory that cannot be understood. Nothing was attempted; the
/// message names the place (<c>file:line</c> or <c>argument '...'</c>) and what is wrong there.
/// </summary>
internal sealed class TargetSyntaxException : SessionKeeperException
{
    public TargetSyntaxException(string location, string problem)
        : base(FailureKind.InvalidInput, $"{location}: {problem}")
    {
        Location = location;
        Problem = problem;
    }

    /// <summary><c>file:line</c>, <c>file</c>, or <c>argument '...'</c>.</summary>
    /// <remarks>Named Location rather than Source so that it does not hide <see cref="Exception.Source"/>.</remarks>
    public string Location { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }
}
