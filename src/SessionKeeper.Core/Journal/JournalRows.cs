using System.Text.Json;
using Microsoft.Data.Sqlite;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Journal;

/// <summary>Reads a jobs row strictly: a row that does not make sense is corruption, not a default.</summary>
internal static class JournalRows
{
    public static JournalJob Read(SqliteDataReader r, string path)
    {
        try
        {
            var id = r.GetString(0);
            var env = JsonSerializer.Deserialize(r.GetString(10), JournalJson.Default.ListStringArray) ?? [];
            var spec = new JobSpec(
                r.GetValue(8) as string ?? "", // a BLOB: set from its bytes below
                r.IsDBNull(9) ? null : r.GetString(9),
                [.. env.Select(pair => new KeyValuePair<string, string>(pair[0], pair[1]))],
                r.IsDBNull(11) ? null : r.GetString(11),
                r.IsDBNull(38) ? null : TimeSpan.FromMilliseconds(r.GetInt64(38)),
                TimeSpan.FromMilliseconds(r.GetInt64(39)));
            if (r.GetValue(8) is byte[] raw)
            {
                spec = spec.WithCommand(raw); // a command that is not UTF-8 is kept as a BLOB
            }

            var endpoint = new JobEndpoint(
                r.GetString(1),
                r.GetString(2),
                r.GetInt32(3),
                JsonSerializer.Deserialize(r.GetString(4), JournalJson.Default.IReadOnlyListString) ?? [],
                JsonSerializer.Deserialize(r.GetString(5), JournalJson.Default.IReadOnlyListString) ?? [],
                TimeSpan.FromMilliseconds(r.GetInt64(6)))
            {
                Settings = r.IsDBNull(36) ? null : JsonSerializer.Deserialize(r.GetString(36), EndpointJson.Default.EndpointSettings),
            };
            var phase = JournalPhases.Parse(r.GetString(14));
            return new JournalJob
            {
                Id = JobId.Validate(id),
                Endpoint = endpoint,
                Cookie = r.GetString(7),
                Spec = spec,
                Phase = phase,
                LastStatus = r.IsDBNull(15) ? null : Status(r, id),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(23)),
                LastSeenAt = r.IsDBNull(26) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(26)),
                MirrorPath = r.IsDBNull(27) ? null : r.GetString(27),
                CommittedLength = r.GetInt64(28),
                Attempt = r.GetInt32(29),
                RootId = r.IsDBNull(30) ? null : r.GetString(30),
                Restart = new RestartPolicy(RestartPolicy.ParseMode(r.GetString(31)), r.GetInt32(32), TimeSpan.FromMilliseconds(r.GetInt64(33))),
                BatchId = r.IsDBNull(34) ? null : r.GetString(34),
                ToBeChecked = r.GetInt64(35) != 0,
                NotLaunchedReason = r.IsDBNull(37) ? null : r.GetString(37),
            };
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or JsonException or ArgumentException or SessionKeeperException or IndexOutOfRangeException)
        {
            throw new SessionKeeperException(FailureKind.StateCorrupt, $"the journal {path} holds a malformed job record ({ex.Message.TrimEnd('.')}); it was left untouched.", ex);
        }
    }

    private static JobStatus Status(SqliteDataReader r, string id) => new()
    {
        Id = id,
        State = r.GetString(15) switch
        {
            "starting" => JobState.Starting,
            "running" => JobState.Running,
            "exited" => JobState.Exited,
            "killed" => JobState.Killed,
            "timed-out" => JobState.TimedOut,
            "lost" => JobState.Lost,
            var other => throw new FormatException($"unknown state '{other}'"),
        },
        ExitCode = r.IsDBNull(16) ? null : r.GetInt32(16),
        Signal = r.IsDBNull(17) ? null : r.GetInt32(17),
        LostReason = r.IsDBNull(18) ? null : r.GetString(18),
        Pid = r.IsDBNull(19) ? null : r.GetInt32(19),
        ProcessGroup = r.IsDBNull(20) ? null : r.GetInt32(20),
        StartTime = r.IsDBNull(21) ? null : r.GetInt64(21),
        BootId = r.IsDBNull(22) ? null : r.GetString(22),
        Ended = r.IsDBNull(25) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(25)),
    };
}
