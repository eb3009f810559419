using System.Reflection;
using System.Text;

namespace SessionKeeper.Core.Remote;

/// <summary>
/// Builds the bytes sent on the stdin of the constant remote command: the runner script, the
/// request as POSIX-quoted variables, and a call to sk_main, all inside one brace group so a
/// payload cut short is never executed in part.
/// </summary>
public sealed class RunnerRequest
{
    /// <summary>The only command the login shell ever sees.</summary>
    public const string RemoteCommand = "exec /bin/sh -s";

    public const string ProtocolPrefix = "@@SK1 ";

    private static readonly Lazy<string> Runner = new(() => LoadResource("SessionKeeper.runner.sh"));
    private static readonly Lazy<string> Wrapper = new(() => LoadResource("SessionKeeper.wrapper.sh"));

    private readonly List<KeyValuePair<string, string>> _variables = [];

    public RunnerRequest(string verb)
    {
        Verb = verb;
        Set("SK_VERB", verb);
    }

    public string Verb { get; }

    public static string WrapperScript => Wrapper.Value;

    public RunnerRequest Set(string name, string value)
    {
        _variables.RemoveAll(v => v.Key == name);
        _variables.Add(new(name, value));
        return this;
    }

    public RunnerRequest Set(string name, long value) => Set(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public byte[] ToPayload()
    {
        var sb = new StringBuilder(Runner.Value.Length + 4096);
        sb.Append("{\n").Append(Runner.Value).Append('\n');
        foreach (var (name, value) in _variables)
        {
            sb.Append(name).Append('=').Append(ShellQuote.Quote(value)).Append('\n');
        }

        // exit: a stream's stdin stays open for credit lines, which must never be read as commands.
        sb.Append("sk_main\nexit\n}\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static string LoadResource(string name)
    {
        using var stream = typeof(RunnerRequest).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"resource {name} missing from {Assembly.GetExecutingAssembly().FullName}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
