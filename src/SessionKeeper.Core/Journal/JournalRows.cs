using System.Data.Common;
using System.Text.Json;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Journal;

/// <summary>Reads a jobs row strictly: a row that does not make sense is corruption, not a default.</summary>
internal static class JournalRows
{
    public static JournalJob Read(DbDataReader r, JournalColumns c, string path)
    {
        try
        {
            var id = r.GetString(c.Id);
            var env = JsonSerializer.Deserialize(r.GetString(c.Env), JournalJson.Default.ListStringArray) ?? [];
            var spec = new JobSpec(
                r.GetValue(c.Command) as string ?? "", // a BLOB: set from its bytes below
                r.IsDBNull(c.Cwd) ? null : r.GetString(c.Cwd),
                [.. env.Select(pair => new KeyValuePair<string, string>(pair[0], pair[1]))],
                r.IsDBNull(c.Shell) ? null : r.GetString(c.Shell),
                r.IsDBNull(c.TimeoutMs) ? null : TimeSpan.FromMilliseconds(r.GetInt64(c.TimeoutMs)),
                TimeSpan.FromMilliseconds(r.GetInt64(c.GraceMs)));
            var raw = r.GetValue(c.Command) as byte[] ?? (c.CommandRaw >= 0 ? r.GetValue(c.CommandRaw) as byte[] : null);
            if (raw is not null)
            {
                spec = spec.WithCommand(raw); // a command that is not UTF-8 is kept as a BLOB
            }

            var endpoint = Target(r, c, id);
            var phase = JournalPhases.Parse(r.GetString(c.Phase));
            var jobId = JobId.Parse(id);
            return new JournalJob
            {
                Id = jobId,
                Endpoint = endpoint,
                Name = r.IsDBNull(c.Name) ? null : r.GetString(c.Name),
                Cookie = JobCookie.Parse(r.GetString(c.Cookie)),
                Spec = spec,
                Phase = phase,
                LastStatus = r.IsDBNull(c.State) ? null : Status(r, c, jobId),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(c.CreatedAt)),
                LastSeenAt = r.IsDBNull(c.LastSeenAt) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(c.LastSeenAt)),
                MirrorPath = r.IsDBNull(c.MirrorPath) ? null : r.GetString(c.MirrorPath),
                CommittedLength = r.GetInt64(c.CommittedLength),
                Attempt = r.GetInt32(c.Attempt),
                RootId = r.IsDBNull(c.RootId) ? null : JobId.Parse(r.GetString(c.RootId)),
                Restart = new RestartPolicy(RestartPolicy.ParseMode(r.GetString(c.RestartMode)), r.GetInt32(c.MaxRestarts), TimeSpan.FromMilliseconds(r.GetInt64(c.RestartDelayMs))),
                BatchId = r.IsDBNull(c.BatchId) ? null : r.GetString(c.BatchId),
                ToBeChecked = r.GetInt64(c.ToBeChecked) != 0,
                NotLaunchedReason = r.IsDBNull(c.NotLaunchedReason) ? null : r.GetString(c.NotLaunchedReason),
                LastAnswer = r.IsDBNull(c.AnswerJson) ? null : StatusJson.Read(r.GetString(c.AnswerJson), jobId),
            };
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or JsonException or ArgumentException or SessionKeeperException or IndexOutOfRangeException)
        {
            throw new SessionKeeperException(FailureKind.StateCorrupt, $"the journal {path} holds a malformed job record ({ex.Message.TrimEnd('.')}); it was left untouched.", ex);
        }
    }

    /// <summary>
    /// The job's endpoint: target_json alone, as the transport described it. The user, host and port
    /// columns are copies for listings, never read back here.
    /// </summary>
    private static JobEndpoint Target(DbDataReader r, JournalColumns c, string id)
    {
        var transport = r.GetString(c.Transport);
        if (transport != JournalSchema.SshTransport)
        {
            throw new FormatException($"job '{id}' was launched through the transport '{transport}', which this SessionKeeper does not know");
        }

        if (r.IsDBNull(c.TargetJson))
        {
            throw new FormatException($"job '{id}' has no target_json");
        }

        try
        {
            return JsonSerializer.Deserialize(r.GetString(c.TargetJson), EndpointJson.Default.JobEndpoint)
                ?? throw new FormatException($"job '{id}' has a null target_json");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"job '{id}' has a target_json that is not an endpoint: {ex.Message.TrimEnd('.')}", ex);
        }
    }

    /// <summary>A state's word as <see cref="JobStateExtensions.ToWire"/> writes it.</summary>
    /// <exception cref="FormatException">For any other word.</exception>
    public static JobState State(string word) => word switch
    {
        "starting" => JobState.Starting,
        "running" => JobState.Running,
        "exited" => JobState.Exited,
        "killed" => JobState.Killed,
        "timed-out" => JobState.TimedOut,
        "lost" => JobState.Lost,
        "ending" => JobState.Ending,
        "ended" => JobState.Ended,
        var other => throw new FormatException($"unknown state '{other}'"),
    };

    private static JobStatus Status(DbDataReader r, JournalColumns c, JobId id) => new()
    {
        Id = id,
        State = State(r.GetString(c.State)),
        ExitCode = r.IsDBNull(c.ExitCode) ? null : r.GetInt32(c.ExitCode),
        Signal = r.IsDBNull(c.Signal) ? null : r.GetInt32(c.Signal),
        LostReason = r.IsDBNull(c.LostReason) || r.GetString(c.State) == "ended" ? null : r.GetString(c.LostReason),
        EndedReason = r.GetString(c.State) == "ended" && !r.IsDBNull(c.LostReason) ? r.GetString(c.LostReason) : null,
        Pid = r.IsDBNull(c.Pid) ? null : r.GetInt32(c.Pid),
        ProcessGroup = r.IsDBNull(c.Pgid) ? null : r.GetInt32(c.Pgid),
        StartTime = r.IsDBNull(c.StartTime) ? null : r.GetInt64(c.StartTime),
        BootId = r.IsDBNull(c.BootId) ? null : r.GetString(c.BootId),
        Ended = r.IsDBNull(c.FinishedAt) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(c.FinishedAt)),
    };
}
