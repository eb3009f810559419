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
        var body = new BodyWriter().String(Journal).Byte(Flag(CanPrompt));
        WriteEndpoint(body, Job.Endpoint);
        body.String(Job.Id.Value)
            .String(Job.Cookie.Value)
            .Bytes(spec.CommandBytes);
        Optional(body, spec.WorkingDirectory);
        if (spec.Environment is null)
        {
            body.Byte(0);
        }
        else
        {
            body.Byte(1).Long(spec.Environment.Count);
            foreach (var (name, value) in spec.Environment)
            {
                body.String(name).String(value);
            }
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
            var endpoint = ReadEndpoint(reader, depth: 0);
            var id = JobId.Parse(reader.String());
            var cookie = JobCookie.Parse(reader.String());
            var command = reader.Bytes();
            var cwd = OptionalString(reader);
            List<KeyValuePair<string, string>>? environment = null;
            if (reader.Byte() == 1)
            {
                environment = new(Count(reader));
                for (var i = environment.Capacity; i > 0; i--)
                {
                    environment.Add(new(reader.String(), reader.String()));
                }
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
        catch (Exception ex) when (ex is Core.Failures.SessionKeeperException or OverflowException or ArgumentException)
        {
            throw new IOException($"a start frame is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The endpoint's fields one after the other, as <see cref="JobEndpoint"/> and
    /// <see cref="EndpointSettings"/> declare them (jump hosts nested): the journal's JSON would
    /// cost the CLI System.Text.Json's metadata for these two records, a millisecond of a
    /// brokered <c>run -d</c>. StartRequestTests checks every member is carried.
    /// </summary>
    private static void WriteEndpoint(BodyWriter body, JobEndpoint endpoint)
    {
        body.String(endpoint.User).String(endpoint.Host).Long(endpoint.Port);
        Strings(body, endpoint.IdentityFiles);
        Strings(body, endpoint.KnownHostsFiles);
        body.Long(endpoint.ConnectTimeout.Ticks);
        if (endpoint.Settings is not { } s)
        {
            body.Byte(0);
            return;
        }

        body.Byte(1).Long(s.JumpHosts.Count);
        foreach (var hop in s.JumpHosts)
        {
            WriteEndpoint(body, hop);
        }

        Strings(body, s.GlobalKnownHostsFiles);
        body.String(s.StrictHostKeyChecking).Byte(Flag(s.HashKnownHosts));
        Optional(body, s.HostKeyAlias);
        body.Byte(Flag(s.UseAgent)).Byte(Flag(s.IdentitiesOnly));
        Strings(body, s.CertificateFiles);
        body.Byte(Flag(s.BatchMode)).Byte(Flag(s.PasswordAuthentication));
        Strings(body, s.KexAlgorithms);
        body.Long(s.ServerAliveInterval).Long(s.ServerAliveCountMax);
    }

    private static JobEndpoint ReadEndpoint(BodyReader reader, int depth)
    {
        if (depth > 16)
        {
            throw new IOException("jump hosts nested too deep");
        }

        var endpoint = new JobEndpoint(reader.String(), reader.String(), checked((int)reader.Long()), ReadStrings(reader), ReadStrings(reader), TimeSpan.FromTicks(reader.Long()));
        if (reader.Byte() == 0)
        {
            return endpoint;
        }

        var hops = new JobEndpoint[Count(reader)];
        for (var i = 0; i < hops.Length; i++)
        {
            hops[i] = ReadEndpoint(reader, depth + 1);
        }

        return endpoint with
        {
            Settings = new EndpointSettings
            {
                JumpHosts = hops,
                GlobalKnownHostsFiles = ReadStrings(reader),
                StrictHostKeyChecking = reader.String(),
                HashKnownHosts = reader.Byte() == 1,
                HostKeyAlias = OptionalString(reader),
                UseAgent = reader.Byte() == 1,
                IdentitiesOnly = reader.Byte() == 1,
                CertificateFiles = ReadStrings(reader),
                BatchMode = reader.Byte() == 1,
                PasswordAuthentication = reader.Byte() == 1,
                KexAlgorithms = ReadStrings(reader),
                ServerAliveInterval = checked((int)reader.Long()),
                ServerAliveCountMax = checked((int)reader.Long()),
            },
        };
    }

    private static byte Flag(bool value) => value ? (byte)1 : (byte)0;

    private static void Strings(BodyWriter body, IReadOnlyList<string> values)
    {
        body.Long(values.Count);
        foreach (var value in values)
        {
            body.String(value);
        }
    }

    private static string[] ReadStrings(BodyReader reader)
    {
        var values = new string[Count(reader)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.String();
        }

        return values;
    }

    /// <summary>A count of fields to come: each takes at least a byte, so more than the body holds is malformed.</summary>
    private static int Count(BodyReader reader)
    {
        var count = reader.Long();
        return count >= 0 && count <= reader.Left ? (int)count : throw new IOException($"a count of {count}");
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
