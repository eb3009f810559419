-- A SessionKeeper journal of schema version 9, written by hand: the schema as that version's
-- JournalSchema created it (read from git history: versions 1 to 8, then schema 9 adds the leases,
-- the daemons table and answer_json), and rows as that version's JobJournal and daemons wrote them
-- on a journal shared by daemons that have all stopped cleanly since (each handed its leases back
-- and left the daemons table: no owner, the tokens moved on): one finished job, one still running,
-- one intent never confirmed. Journaled before schema 10's daemon capacities and refusals. Never
-- regenerate it from the current code: it is the oracle for the upgrade.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    identity_files TEXT NOT NULL,
    known_hosts_files TEXT NOT NULL,
    connect_timeout_ms INTEGER NOT NULL,
    cookie TEXT NOT NULL,
    command TEXT NOT NULL,
    cwd TEXT,
    env TEXT NOT NULL,
    shell TEXT,
    timeout_s INTEGER,
    grace_s INTEGER NOT NULL,
    phase TEXT NOT NULL,
    state TEXT,
    exit_code INTEGER,
    signal INTEGER,
    lost_reason TEXT,
    pid INTEGER,
    pgid INTEGER,
    start_time INTEGER,
    boot_id TEXT,
    created_at INTEGER NOT NULL,
    launched_at INTEGER,
    finished_at INTEGER,
    last_seen_at INTEGER,
    mirror_path TEXT,
    committed_length INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_host ON jobs (host, port, user);
INSERT INTO meta (key, value) VALUES ('schema_version', '1');
ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE jobs ADD COLUMN root_id TEXT;
ALTER TABLE jobs ADD COLUMN restart_mode TEXT NOT NULL DEFAULT 'no';
ALTER TABLE jobs ADD COLUMN max_restarts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN restart_delay_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN batch_id TEXT;
ALTER TABLE jobs ADD COLUMN to_be_checked INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_root ON jobs (root_id);
CREATE INDEX jobs_batch ON jobs (batch_id);
UPDATE meta SET value = '2' WHERE key = 'schema_version';
ALTER TABLE jobs ADD COLUMN ssh_settings TEXT;
UPDATE meta SET value = '3' WHERE key = 'schema_version';
ALTER TABLE jobs ADD COLUMN not_launched_reason TEXT;
UPDATE meta SET value = '4' WHERE key = 'schema_version';
ALTER TABLE jobs ADD COLUMN timeout_ms INTEGER;
ALTER TABLE jobs ADD COLUMN grace_ms INTEGER NOT NULL DEFAULT 10000;
UPDATE jobs SET timeout_ms = timeout_s * 1000, grace_ms = grace_s * 1000;
UPDATE meta SET value = '5' WHERE key = 'schema_version';
CREATE TABLE batch_stops (batch TEXT PRIMARY KEY, stop_reason TEXT NOT NULL, stopped_at INTEGER NOT NULL);
UPDATE meta SET value = '6' WHERE key = 'schema_version';
ALTER TABLE jobs ADD COLUMN transport TEXT NOT NULL DEFAULT 'ssh';
ALTER TABLE jobs ADD COLUMN target_json TEXT;
ALTER TABLE jobs DROP COLUMN identity_files;
ALTER TABLE jobs DROP COLUMN known_hosts_files;
ALTER TABLE jobs DROP COLUMN connect_timeout_ms;
ALTER TABLE jobs DROP COLUMN ssh_settings;
UPDATE meta SET value = '7' WHERE key = 'schema_version';
ALTER TABLE jobs ADD COLUMN name TEXT;
UPDATE meta SET value = '8' WHERE key = 'schema_version';
ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN lease_expires_at INTEGER;
CREATE TABLE daemons (id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, started_at INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL);
ALTER TABLE jobs ADD COLUMN answer_json TEXT;
UPDATE meta SET value = '9' WHERE key = 'schema_version';
INSERT INTO jobs (id, transport, target_json, name, user, host, port, cookie, command, cwd, env, shell,
    timeout_s, grace_s, timeout_ms, grace_ms, phase, created_at, mirror_path, attempt, root_id, restart_mode, max_restarts, restart_delay_ms, batch_id)
VALUES
    ('v9-done', 'ssh', '{"user":"sk30","host":"127.0.0.1","port":2240,"identityFiles":[],"knownHostsFiles":["/home/u/.ssh/known_hosts"],"connectTimeout":"00:00:03","settings":{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"yes","hashKnownHosts":false,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}}', 'db-1', 'sk30', '127.0.0.1', 2240,
     '9999000011112222333344445555dd01', 'pg_dump app', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'intent', 1797000100000, '/home/u/.local/state/sessionkeeper/mirrors/sk30@127.0.0.1_2240/v9-done', 1, NULL, 'no', 0, 0, NULL),
    ('v9-run', 'ssh', '{"user":"sk31","host":"127.0.0.1","port":2241,"identityFiles":[],"knownHostsFiles":["/home/u/.ssh/known_hosts"],"connectTimeout":"00:00:03","settings":{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"yes","hashKnownHosts":false,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}}', 'db-2', 'sk31', '127.0.0.1', 2241,
     '9999000011112222333344445555dd02', 'sleep 600', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'intent', 1797000200000, '/home/u/.local/state/sessionkeeper/mirrors/sk31@127.0.0.1_2241/v9-run', 1, NULL, 'on-failure', 2, 1000, NULL),
    ('v9-sent', 'ssh', '{"user":"sk32","host":"127.0.0.1","port":2242,"identityFiles":[],"knownHostsFiles":["/home/u/.ssh/known_hosts"],"connectTimeout":"00:00:03","settings":{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"yes","hashKnownHosts":false,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}}', NULL, 'sk32', '127.0.0.1', 2242,
     '9999000011112222333344445555dd03', './migrate.sh', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'intent', 1797000300000, '/home/u/.local/state/sessionkeeper/mirrors/sk32@127.0.0.1_2242/v9-sent', 1, NULL, 'no', 0, 0, NULL);
-- What the daemons wrote: claims (each incrementing the token), the launches and ends recorded under
-- those leases, and the clean stops that handed the leases back (owner and expiry gone, token kept).
INSERT INTO daemons (id, host, pid, started_at, heartbeat_at) VALUES ('ws1/4242/0a0b0c0d', 'ws1', 4242, 1797000000000, 1797000400000);
UPDATE jobs SET lease_owner = 'ws1/4242/0a0b0c0d', lease_token = 1, lease_expires_at = 1797000415000;
UPDATE jobs SET phase = 'finished', state = 'exited', exit_code = 0, pid = 700, pgid = 700, start_time = 701, boot_id = 'b00t-9d',
    launched_at = 1797000101000, finished_at = 1797000102000, last_seen_at = 1797000102000, committed_length = 52 WHERE id = 'v9-done';
UPDATE jobs SET phase = 'launched', state = 'running', pid = 710, pgid = 710, start_time = 711, boot_id = 'b00t-9d',
    launched_at = 1797000201000, last_seen_at = 1797000205000, committed_length = 9, lease_token = 2 WHERE id = 'v9-run';
UPDATE jobs SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = 'ws1/4242/0a0b0c0d';
DELETE FROM daemons WHERE id = 'ws1/4242/0a0b0c0d';
