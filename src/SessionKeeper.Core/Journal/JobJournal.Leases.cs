using System.Data.Common;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal.Stores;

namespace SessionKeeper.Core.Journal;

/// <summary>
/// Leases (schema 9): which daemon supervises which unfinished job. Every time here is the
/// journal's own clock (<see cref="JournalDialect.Now"/>); the lease length is the caller's.
/// </summary>
internal sealed partial class JobJournal
{
    private const string UnfinishedPhases = "'intent', 'launched'";

    /// <summary>With a fence, every state write for a job is conditional on the lease token held for it (<see cref="LeaseFence"/>).</summary>
    public LeaseFence? Fence { get; set; }

    /// <summary>How long a daemon leaves a target it could not authenticate to before it tries it again.</summary>
    public static readonly TimeSpan RefusalRetry = TimeSpan.FromMinutes(10);

    /// <summary>The jobs that are not refused by <c>@me</c> (a correlated condition on jobs).</summary>
    private string NotRefusedByMe => $"NOT EXISTS (SELECT 1 FROM daemon_refusals r WHERE r.daemon_id = @me AND {SameTarget})";

    /// <summary>A refusal r of the job's target, younger than <see cref="RefusalRetry"/> (<c>@retry</c>) on the journal's clock.</summary>
    private string SameTarget => $"r.target_user = jobs.\"user\" AND r.target_host = jobs.host AND r.target_port = jobs.port AND r.refused_at > {Dialect.Now} - @retry";

    /// <summary>
    /// A daemon says it is alive (registering on its first call), on the journal's clock, with how
    /// many jobs it can supervise at once (0: no limit known).
    /// </summary>
    public void Heartbeat(string daemonId, string host, int pid, int capacity = 0) => Run(connection =>
    {
        using var upsert = connection.CreateCommand();
        upsert.CommandText = $"""
            INSERT INTO daemons (id, host, pid, started_at, heartbeat_at, capacity) VALUES (@id, @host, @pid, {Dialect.Now}, {Dialect.Now}, @capacity)
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, host = excluded.host, pid = excluded.pid, capacity = excluded.capacity
            """;
        upsert.Add("@id", daemonId);
        upsert.Add("@host", host);
        upsert.Add("@pid", pid);
        upsert.Add("@capacity", capacity);
        return upsert.ExecuteNonQuery();
    });

    /// <summary>
    /// Claims unowned or expired unfinished jobs for <paramref name="daemonId"/>, up to its share
    /// (<see cref="ShareOf"/>: the unfinished jobs spread over the daemons whose heartbeat is
    /// younger than <paramref name="lease"/>, each up to its capacity) and at most
    /// <paramref name="capacity"/> held in all, oldest first; beyond its share, the jobs every other
    /// live daemon refused (<see cref="Refuse"/>), which nobody else would take. A target this
    /// daemon refused is skipped for <see cref="RefusalRetry"/>. Each claim increments the job's
    /// token; on PostgreSQL the rows are locked with SKIP LOCKED, so two daemons claiming at once
    /// never take the same one. A job taken over while it ran is marked to be checked. Returns the
    /// jobs claimed by this call. With <paramref name="launchedOnly"/>, only jobs whose launch was
    /// answered (<c>launched</c>) are taken; the share is the same.
    /// </summary>
    public IReadOnlyList<JobLease> Claim(string daemonId, TimeSpan lease, int capacity, bool launchedOnly = false) => Run(connection =>
    {
        using var transaction = connection.BeginTransaction();
        var (share, held, _) = Shares(connection, transaction, daemonId, lease, capacity);
        var claimed = new List<JobLease>();
        var claimable = $"""
            phase IN ({(launchedOnly ? "'launched'" : UnfinishedPhases)}) AND (lease_owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at <= {Dialect.Now}) AND {NotRefusedByMe}
            """;
        claimed.AddRange(ClaimWhere(connection, transaction, daemonId, lease, claimable, Math.Min(share, capacity) - held));
        var orphans = $"""
            {claimable} AND NOT EXISTS (SELECT 1 FROM daemons d WHERE d.id <> @me AND d.heartbeat_at > {Dialect.Now} - @lease
                AND NOT EXISTS (SELECT 1 FROM daemon_refusals r WHERE r.daemon_id = d.id AND {SameTarget}))
            """;
        claimed.AddRange(ClaimWhere(connection, transaction, daemonId, lease, orphans, capacity - held - claimed.Count));
        transaction.Commit();
        claimed.Sort((x, y) => string.CompareOrdinal(x.Id.Value, y.Id.Value));
        return (IReadOnlyList<JobLease>)claimed;
    });

    /// <summary>
    /// A new daemon picks up its share: when <paramref name="daemonId"/> holds more than one job
    /// above its share of the jobs another live daemon could take (its refusals aside), the leases
    /// it should hand back down to its share, newest first; otherwise none. The caller releases
    /// them (<see cref="ReleaseLeases(string, IEnumerable{JobLease})"/>) once it stopped acting on them.
    /// </summary>
    public IReadOnlyList<JobLease> Excess(string daemonId, TimeSpan lease, int capacity) => Run(connection =>
    {
        using var transaction = connection.BeginTransaction();
        var (share, _, _) = Shares(connection, transaction, daemonId, lease, capacity);
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = $"""
            SELECT id, lease_token, coalesce(root_id, id) FROM jobs
            WHERE lease_owner = @me AND phase IN ({UnfinishedPhases}) AND lease_expires_at > {Dialect.Now}
                AND EXISTS (SELECT 1 FROM daemons d WHERE d.id <> @me AND d.heartbeat_at > {Dialect.Now} - @lease
                    AND NOT EXISTS (SELECT 1 FROM daemon_refusals r WHERE r.daemon_id = d.id AND {SameTarget}))
            ORDER BY created_at DESC, id DESC
            """;
        select.Add("@me", daemonId);
        select.Add("@lease", (long)lease.TotalMilliseconds);
        select.Add("@retry", (long)RefusalRetry.TotalMilliseconds);
        var sheddable = new List<JobLease>();
        using (var r = select.ExecuteReader())
        {
            while (r.Read())
            {
                sheddable.Add(new JobLease(JobId.Parse(r.GetString(0)), r.GetInt64(1), JobId.Parse(r.GetString(2))));
            }
        }

        transaction.Commit();
        var keep = Math.Min(share, capacity);
        return (IReadOnlyList<JobLease>)(sheddable.Count > keep + 1 ? sheddable[..(int)(sheddable.Count - keep)] : []);
    });

    /// <summary>
    /// The share of the unfinished jobs that falls to <paramref name="me"/>: ceil(unfinished / live
    /// daemons), as before, except that a daemon whose capacity (0: none known) is below that takes
    /// only its capacity and the rest is spread over the others the same way, fewest capacity
    /// first (<paramref name="me"/> first among equals). So a daemon that can take few leaves the
    /// rest to the others, and the shares add up to at least the unfinished jobs.
    /// </summary>
    internal static long ShareOf(string me, int capacity, IEnumerable<(string Id, long Capacity)> others, long unfinished)
    {
        var daemons = others.Where(d => d.Id != me).Select(d => (d.Id, Capacity: d.Capacity > 0 ? d.Capacity : long.MaxValue))
            .Append((Id: me, Capacity: (long)Math.Max(capacity, 1)))
            .OrderBy(d => d.Capacity).ThenBy(d => d.Id != me).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
        var remaining = unfinished;
        var left = (long)daemons.Count;
        foreach (var (id, most) in daemons)
        {
            var even = (remaining + left - 1) / left;
            if (id == me || most >= even)
            {
                // Everyone from here on can take an even share (or it is this daemon's turn).
                return Math.Min(Math.Max(capacity, 1), even);
            }

            remaining -= most;
            left--;
        }

        return 0;
    }

    private (long Share, long Held, long Unfinished) Shares(DbConnection connection, DbTransaction transaction, string daemonId, TimeSpan lease, int capacity)
    {
        var live = new List<(string, long)>();
        using (var daemons = connection.CreateCommand())
        {
            daemons.Transaction = transaction;
            daemons.CommandText = $"SELECT id, capacity FROM daemons WHERE heartbeat_at > {Dialect.Now} - @lease";
            daemons.Add("@lease", (long)lease.TotalMilliseconds);
            using var r = daemons.ExecuteReader();
            while (r.Read())
            {
                live.Add((r.GetString(0), Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        using var count = connection.CreateCommand();
        count.Transaction = transaction;
        count.CommandText = $"""
            SELECT (SELECT count(*) FROM jobs WHERE phase IN ({UnfinishedPhases})),
                (SELECT count(*) FROM jobs WHERE phase IN ({UnfinishedPhases}) AND lease_owner = @me AND lease_expires_at > {Dialect.Now})
            """;
        count.Add("@me", daemonId);
        using var c = count.ExecuteReader();
        c.Read();
        var (unfinished, held) = (c.GetInt64(0), c.GetInt64(1));
        return (ShareOf(daemonId, capacity, live, unfinished), held, unfinished);
    }

    private List<JobLease> ClaimWhere(DbConnection connection, DbTransaction transaction, string daemonId, TimeSpan lease, string where, long wanted)
    {
        if (wanted <= 0)
        {
            return [];
        }

        using var claim = connection.CreateCommand();
        claim.Transaction = transaction;
        claim.CommandText = $"""
            UPDATE jobs SET lease_owner = @me, lease_token = lease_token + 1, lease_expires_at = {Dialect.Now} + @lease,
                to_be_checked = CASE WHEN phase = 'launched' AND lease_owner IS NOT NULL AND lease_owner <> @me THEN 1 ELSE to_be_checked END
            WHERE id IN (
                SELECT id FROM jobs WHERE {where}
                ORDER BY created_at, id LIMIT @n {Dialect.SkipLocked})
            RETURNING id, lease_token, coalesce(root_id, id)
            """;
        claim.Add("@me", daemonId);
        claim.Add("@lease", (long)lease.TotalMilliseconds);
        claim.Add("@n", wanted);
        claim.Add("@retry", (long)RefusalRetry.TotalMilliseconds);
        return ReadLeases(claim);
    }


    /// <summary>
    /// <paramref name="daemonId"/> could not authenticate to <paramref name="endpoint"/> (or refused
    /// its host key): recorded with <paramref name="problem"/>, so that it claims none of that
    /// target's jobs for <see cref="RefusalRetry"/> and the other daemons do. True the first time
    /// (or when the last refusal had aged out).
    /// </summary>
    public bool Refuse(string daemonId, JobEndpoint endpoint, string problem) => Run(connection =>
    {
        using var transaction = connection.BeginTransaction();
        bool fresh;
        using (var known = connection.CreateCommand())
        {
            known.Transaction = transaction;
            known.CommandText = "SELECT count(*) FROM daemon_refusals WHERE daemon_id = @me AND target_user = @user AND target_host = @host AND target_port = @port AND refused_at > " + Dialect.Now + " - @retry";
            AddTarget(known, daemonId, endpoint);
            known.Add("@retry", (long)RefusalRetry.TotalMilliseconds);
            fresh = Convert.ToInt64(known.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0;
        }

        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = $"""
            INSERT INTO daemon_refusals (daemon_id, target_user, target_host, target_port, problem, refused_at) VALUES (@me, @user, @host, @port, @problem, {Dialect.Now})
            ON CONFLICT (daemon_id, target_user, target_host, target_port) DO UPDATE SET problem = excluded.problem, refused_at = excluded.refused_at
            """;
        AddTarget(upsert, daemonId, endpoint);
        upsert.Add("@problem", problem);
        upsert.ExecuteNonQuery();
        transaction.Commit();
        return fresh;
    });

    /// <summary>The targets live daemons refused, with who and why, for listings.</summary>
    public IReadOnlyList<(string DaemonId, string Target, string Problem)> Refusals() => Run(connection =>
    {
        using var select = connection.CreateCommand();
        select.CommandText = $"""
            SELECT daemon_id, target_user, target_host, target_port, problem FROM daemon_refusals
            WHERE refused_at > {Dialect.Now} - @retry ORDER BY daemon_id, target_host, target_port, target_user
            """;
        select.Add("@retry", (long)RefusalRetry.TotalMilliseconds);
        var refusals = new List<(string, string, string)>();
        using var r = select.ExecuteReader();
        while (r.Read())
        {
            refusals.Add((r.GetString(0), $"{r.GetString(1)}@{r.GetString(2)}:{r.GetValue(3)}", r.GetString(4)));
        }

        return (IReadOnlyList<(string, string, string)>)refusals;
    });

    private static void AddTarget(DbCommand command, string daemonId, JobEndpoint endpoint)
    {
        command.Add("@me", daemonId);
        command.Add("@user", endpoint.User);
        command.Add("@host", endpoint.Host);
        command.Add("@port", endpoint.Port);
    }

    /// <summary>Extends every unfinished job's lease <paramref name="daemonId"/> holds by <paramref name="lease"/> from now; returns them.</summary>
    public IReadOnlyList<JobLease> Renew(string daemonId, TimeSpan lease) => Run(connection =>
    {
        using var renew = connection.CreateCommand();
        renew.CommandText = $"""
            UPDATE jobs SET lease_expires_at = {Dialect.Now} + @lease
            WHERE lease_owner = @me AND phase IN ({UnfinishedPhases})
            RETURNING id, lease_token, coalesce(root_id, id)
            """;
        renew.Add("@me", daemonId);
        renew.Add("@lease", (long)lease.TotalMilliseconds);
        return (IReadOnlyList<JobLease>)ReadLeases(renew);
    });

    /// <summary>A job's lease as the journal has it: owner (null when none) and token.</summary>
    public (string? Owner, long Token, long? ExpiresAt) LeaseOf(JobId id) => Run(connection =>
    {
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT lease_owner, lease_token, lease_expires_at FROM jobs WHERE id = @id";
        select.Add("@id", id.Value);
        using var r = select.ExecuteReader();
        return r.Read() ? (r.IsDBNull(0) ? null : r.GetString(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2)) : ((string?)null, 0L, (long?)null);
    });

    /// <summary>A daemon stopping hands its jobs back (the tokens stay: the next claim goes above them) and leaves the daemons table.</summary>
    public int ReleaseLeases(string daemonId) => Run(connection =>
    {
        using var transaction = connection.BeginTransaction();
        using var release = connection.CreateCommand();
        release.Transaction = transaction;
        release.CommandText = "UPDATE jobs SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = @me; DELETE FROM daemons WHERE id = @me; DELETE FROM daemon_refusals WHERE daemon_id = @me";
        release.Add("@me", daemonId);
        var released = release.ExecuteNonQuery();
        transaction.Commit();
        return released;
    });

    /// <summary>
    /// Hands <paramref name="leases"/> back (rebalancing, or a target this daemon cannot
    /// authenticate to): each job whose lease <paramref name="daemonId"/> still holds with that
    /// token is unowned again, and its token moves on, so that no write still on its way with the
    /// old one lands. Returns how many were handed back.
    /// </summary>
    public int ReleaseLeases(string daemonId, IEnumerable<JobLease> leases) => Run(connection =>
    {
        using var transaction = connection.BeginTransaction();
        var released = 0;
        foreach (var lease in leases)
        {
            using var release = connection.CreateCommand();
            release.Transaction = transaction;
            release.CommandText = """
                UPDATE jobs SET lease_owner = NULL, lease_expires_at = NULL, lease_token = lease_token + 1
                WHERE id = @id AND lease_owner = @me AND lease_token = @token
                """;
            release.Add("@id", lease.Id.Value);
            release.Add("@me", daemonId);
            release.Add("@token", lease.Token);
            released += release.ExecuteNonQuery();
        }

        transaction.Commit();
        return released;
    });

    /// <summary>
    /// With a fence, a launch (or a restart's launch) claims its job in the journal with the token
    /// before the request goes out: a daemon that lost the lease never sends it.
    /// </summary>
    public void ConfirmLease(JobId id)
    {
        if (Fence is null)
        {
            return;
        }

        Run(connection =>
        {
            using var touch = connection.CreateCommand();
            touch.CommandText = "UPDATE jobs SET lease_token = lease_token WHERE id = @id";
            touch.Add("@id", id.Value);
            return Fenced(touch, id);
        });
    }

    /// <summary>
    /// Appends the fence's condition to <paramref name="command"/> (text ending in its WHERE clause)
    /// and runs it; 0 rows with the token no longer the journal's is a lost lease. Without a fence,
    /// just runs it.
    /// </summary>
    private int Fenced(DbCommand command, JobId id)
    {
        if (Fence is not { } fence)
        {
            return command.ExecuteNonQuery();
        }

        if (!fence.TryGet(id, out var lease))
        {
            throw new LeaseLostException(id, $"job {id}: not written, this daemon does not hold its lease");
        }

        command.CommandText += " AND lease_token = @leaseToken";
        command.Add("@leaseToken", lease.Token);
        var rows = command.ExecuteNonQuery();
        if (rows == 0)
        {
            using var check = command.Connection!.CreateCommand();
            check.Transaction = command.Transaction;
            check.CommandText = "SELECT lease_token FROM jobs WHERE id = @id";
            check.Add("@id", id.Value);
            if (check.ExecuteScalar() is { } token and not DBNull && Convert.ToInt64(token, System.Globalization.CultureInfo.InvariantCulture) != lease.Token)
            {
                var why = $"the journal refused a write with token {lease.Token}: another daemon holds the lease (token {token})";
                fence.Lose(id, why);
                throw new LeaseLostException(id, $"job {id}: {why}");
            }
        }

        return rows;
    }

    private static List<JobLease> ReadLeases(DbCommand command)
    {
        var leases = new List<JobLease>();
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            leases.Add(new JobLease(JobId.Parse(r.GetString(0)), r.GetInt64(1), JobId.Parse(r.GetString(2))));
        }

        leases.Sort((x, y) => string.CompareOrdinal(x.Id.Value, y.Id.Value)); // RETURNING has no order of its own
        return leases;
    }
}
