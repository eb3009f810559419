using System.Text.Json;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Ssh.Broker;

/// <summary>
/// A <see cref="BrokerFrameType.Start"/> frame's body: the job a CLI made for a <c>run -d</c>
/// (<see cref="Core.Supervision.JobPlanner.Draft"/>: id, cookie, host, command, restart policy),
/// the journal it would have journaled it in, and whether it can prompt for the daemon.
/// </summary>
/// <param name="Journal">The CLI's journal file (the state directory's <c>journal.db</c>, full path): the daemon takes the job only when it holds that same file.</param>
/// <param name="Job">The job, as the CLI would have journaled it.</param>
/// <param name="CanPrompt">Whether the CLI can ask its user the connection's questions.</param>
internal sealed record StartRequest(string Journal, JournalJob Job, bool CanPrompt)
{
    public byte[] Encode()
    {
        var spec = Job.Spec;
        var body = new BodyWriter()
            .String(Journal)
            .Byte(CanPrompt ? (byte)1 : (byte)0)
            .String(JsonSerializer.Serialize(Job.Endpoint, EndpointJson.Default.JobEndpoint))
            .String(Job.Id.Value)
            .String(Job.Cookie.Value)
            .Bytes(spec.CommandBytes);
        Optional(body, spec.WorkingDirectory);
        body.Long(spec.Environment?.Count ?? -1);
        foreach (var (name, value) in spec.Environment ?? [])
        {
            body.String(name).String(value);
        }

        Optional(body, spec.Shell);
        Optional(body, spec.Timeout);
        Optional(body, spec.Grace);
        return body.Byte((byte)Job.Restart.Mode).Long(Job.Restart.MaxRestarts).Long(Job.Restart.Delay.Ticks).ToArray();
    }

    /// <summary>The request in <paramref name="body"/>; an <see cref="IOException"/> when it is malformed (a wrong id, cookie or field).</summary>
    public static StartRequest Decode(byte[] body, string stateRoot)
    {
        var reader = new BodyReader(body);
        try
        {
            var journal = reader.String();
            var canPrompt = reader.Byte() == 1;
            var endpoint = JsonSerializer.Deserialize(reader.String(), EndpointJson.Default.JobEndpoint) ?? throw new IOException("no target");
            var id = JobId.Parse(reader.String());
            var cookie = JobCookie.Parse(reader.String());
            var command = reader.Bytes();
            var cwd = OptionalString(reader);
            var count = reader.Long();
            if (count < -1 || count > body.Length)
            {
                throw new IOException($"{count} environment variables");
            }

            var environment = count < 0 ? null : new List<KeyValuePair<string, string>>((int)count);
            for (var i = 0; i < count; i++)
            {
                environment!.Add(new(reader.String(), reader.String()));
            }

            var shell = OptionalString(reader);
            var timeout = OptionalTime(reader);
            var grace = OptionalTime(reader);
            var mode = (RestartMode)reader.Byte();
            var restart = new RestartPolicy(Enum.IsDefined(mode) ? mode : throw new IOException($"restart mode {mode}"), checked((int)reader.Long()), TimeSpan.FromTicks(reader.Long()));
            if (!reader.AtEnd)
            {
                throw new IOException("bytes after the last field");
            }

            var spec = new JobSpec(string.Empty, cwd, environment, shell, timeout, grace).WithCommand(command);
            return new StartRequest(journal, Core.Supervision.JobPlanner.Draft(id, endpoint, spec, restart, stateRoot, DateTimeOffset.UtcNow) with { Cookie = cookie }, canPrompt);
        }
        catch (Exception ex) when (ex is JsonException or Core.Failures.SessionKeeperException or OverflowException)
        {
            throw new IOException($"a start frame is malformed: {ex.Message}", ex);
        }
    }

    private static void Optional(BodyWriter body, string? value)
    {
        if (value is null)
        {
            body.Byte(0);
        }
        else
        {
            body.Byte(1).String(value);
        }
    }

    private static void Optional(BodyWriter body, TimeSpan? value)
    {
        if (value is { } time)
        {
            body.Byte(1).Long(time.Ticks);
        }
        else
        {
            body.Byte(0);
        }
    }

    private static string? OptionalString(BodyReader reader) => reader.Byte() == 1 ? reader.String() : null;

    private static TimeSpan? OptionalTime(BodyReader reader) => reader.Byte() == 1 ? TimeSpan.FromTicks(reader.Long()) : null;
}
