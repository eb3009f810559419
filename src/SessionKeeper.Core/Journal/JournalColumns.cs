using System.Data.Common;
using SessionKeeper.Core.Journal.Stores;

namespace SessionKeeper.Core.Journal;

/// <summary>
/// The columns a jobs row is read from, and where each one is in a query's result: looked up by
/// name once per query, so that a row is never read by position (a column added, dropped or moved
/// in <see cref="Select"/> cannot shift the others).
/// </summary>
internal sealed class JournalColumns(DbDataReader r)
{
    /// <summary>
    /// The SELECT list, over jobs LEFT JOIN batch_stops. A job still planned when its batch was
    /// stopped, and journaled before the stop (not a later retry's), was never sent: its phase reads
    /// as not launched, with the batch's reason. Those two are aliased to the names of the jobs
    /// columns they stand for; a WHERE clause naming them still means the stored columns (SQLite
    /// resolves a table's column before a result alias; PostgreSQL never looks at aliases there).
    /// </summary>
    private const string SelectList = """
        id, transport, target_json, name, cookie, command, cwd, env, shell,
        CASE WHEN phase = 'planned' AND created_at <= stopped_at THEN 'not-launched' ELSE phase END AS phase,
        state, exit_code, signal, lost_reason, pid, pgid, start_time, boot_id,
        created_at, finished_at, last_seen_at, mirror_path, committed_length,
        attempt, root_id, restart_mode, max_restarts, restart_delay_ms, batch_id, to_be_checked,
        CASE WHEN phase = 'planned' AND created_at <= stopped_at THEN stop_reason ELSE not_launched_reason END AS not_launched_reason,
        timeout_ms, grace_ms, answer_json
        """;

    /// <summary>The SELECT list in the store's dialect: PostgreSQL's command_raw beside command.</summary>
    public static string Select(JournalDialect dialect) =>
        dialect.SplitsCommand ? SelectList.Replace("command,", "command, command_raw,", StringComparison.Ordinal) : SelectList;

    public int Id { get; } = r.GetOrdinal("id");

    public int Transport { get; } = r.GetOrdinal("transport");

    public int TargetJson { get; } = r.GetOrdinal("target_json");

    public int Name { get; } = r.GetOrdinal("name");

    public int Cookie { get; } = r.GetOrdinal("cookie");

    public int Command { get; } = r.GetOrdinal("command");

    /// <summary>PostgreSQL's bytes of a command that is not UTF-8; -1 where the store keeps them in command.</summary>
    public int CommandRaw { get; } = Enumerable.Range(0, r.FieldCount).FirstOrDefault(i => r.GetName(i) == "command_raw", -1);

    public int Cwd { get; } = r.GetOrdinal("cwd");

    public int Env { get; } = r.GetOrdinal("env");

    public int Shell { get; } = r.GetOrdinal("shell");

    public int Phase { get; } = r.GetOrdinal("phase");

    public int State { get; } = r.GetOrdinal("state");

    public int ExitCode { get; } = r.GetOrdinal("exit_code");

    public int Signal { get; } = r.GetOrdinal("signal");

    public int LostReason { get; } = r.GetOrdinal("lost_reason");

    public int Pid { get; } = r.GetOrdinal("pid");

    public int Pgid { get; } = r.GetOrdinal("pgid");

    public int StartTime { get; } = r.GetOrdinal("start_time");

    public int BootId { get; } = r.GetOrdinal("boot_id");

    public int CreatedAt { get; } = r.GetOrdinal("created_at");

    public int FinishedAt { get; } = r.GetOrdinal("finished_at");

    public int LastSeenAt { get; } = r.GetOrdinal("last_seen_at");

    public int MirrorPath { get; } = r.GetOrdinal("mirror_path");

    public int CommittedLength { get; } = r.GetOrdinal("committed_length");

    public int Attempt { get; } = r.GetOrdinal("attempt");

    public int RootId { get; } = r.GetOrdinal("root_id");

    public int RestartMode { get; } = r.GetOrdinal("restart_mode");

    public int MaxRestarts { get; } = r.GetOrdinal("max_restarts");

    public int RestartDelayMs { get; } = r.GetOrdinal("restart_delay_ms");

    public int BatchId { get; } = r.GetOrdinal("batch_id");

    public int ToBeChecked { get; } = r.GetOrdinal("to_be_checked");

    public int NotLaunchedReason { get; } = r.GetOrdinal("not_launched_reason");

    public int TimeoutMs { get; } = r.GetOrdinal("timeout_ms");

    public int GraceMs { get; } = r.GetOrdinal("grace_ms");

    public int AnswerJson { get; } = r.GetOrdinal("answer_json");
}
