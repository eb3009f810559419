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

    /// <summary>A daemon says it is alive (registering on its first call), on the journal's clock.</summary>
    public void Heartbeat(string daemonId, string host, int pid) => Run(connection =>
    {
        using var upsert = connection.CreateCommand();
        upsert.CommandText = $"""
            INSERT INTO daemons (id, host, pid, started_at, heartbeat_at) VALUES (@id, @host, @pid, {Dialect.Now}, {Dialect.Now})
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, host = excluded.host, pid = excluded.pid
            """;
        upsert.Add("@id", daemonId);
        upsert.Add("@host", host);
        upsert.Add("@pid", pid);
        return upsert.ExecuteNonQuery();
    });

    /// <summary>
    /// Claims unowned or expired unfinished jobs for <paramref name="daemonId"/>, up to its fair
    /// share (the unfinished jobs divided among the daemons whose heartbeat is younger than
    /// <paramref name="lease"/>, rounded up) and at most <paramref name="capacity"/> held in all,
    /// oldest first. Each claim increments the job's token; on PostgreSQL the rows are locked with
    /// SKIP LOCKED, so two daemons claiming at once never take the same one. A job taken over while
    /// it ran is marked to be checked. Returns the jobs claimed by this call.
    /// </summary>
    public IReadOnlyList<JobLease> Claim(string daemonId, TimeSpan lease, int capacity) => Run(connection =>
    {
        using var transaction = connection.BeginTransaction();
        long live, unfinished, held;
        using (var count = connection.CreateCommand())
        {
            count.Transaction = transaction;
            count.CommandText = $"""
                SELECT (SELECT count(*) FROM daemons WHERE heartbeat_at > {Dialect.Now} - @lease OR id = @me),
                    (SELECT count(*) FROM jobs WHERE phase IN ({UnfinishedPhases})),
                    (SELECT count(*) FROM jobs WHERE phase IN ({UnfinishedPhases}) AND lease_owner = @me AND lease_expires_at > {Dialect.Now})
                """;
            count.Add("@me", daemonId);
            count.Add("@lease", (long)lease.TotalMilliseconds);
            using var r = count.ExecuteReader();
            r.Read();
            (live, unfinished, held) = (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
        }

        live = Math.Max(live, 1); // this daemon, even before its first heartbeat
        var share = (unfinished + live - 1) / live;
        var wanted = Math.Min(share, capacity) - held;
        var claimed = new List<JobLease>();
        if (wanted > 0)
        {
            using var claim = connection.CreateCommand();
            claim.Transaction = transaction;
            claim.CommandText = $"""
                UPDATE jobs SET lease_owner = @me, lease_token = lease_token + 1, lease_expires_at = {Dialect.Now} + @lease,
                    to_be_checked = CASE WHEN phase = 'launched' AND lease_owner IS NOT NULL AND lease_owner <> @me THEN 1 ELSE to_be_checked END
                WHERE id IN (
                    SELECT id FROM jobs
                    WHERE phase IN ({UnfinishedPhases}) AND (lease_owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at <= {Dialect.Now})
                    ORDER BY created_at, id LIMIT @n {Dialect.SkipLocked})
                RETURNING id, lease_token, coalesce(root_id, id)
                """;
            claim.Add("@me", daemonId);
            claim.Add("@lease", (long)lease.TotalMilliseconds);
            claim.Add("@n", wanted);
            claimed.AddRange(ReadLeases(claim));
        }

        transaction.Commit();
        return (IReadOnlyList<JobLease>)claimed;
    });

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
        release.CommandText = "UPDATE jobs SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = @me; DELETE FROM daemons WHERE id = @me";
        release.Add("@me", daemonId);
        var released = release.ExecuteNonQuery();
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
