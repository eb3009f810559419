-- A SessionKeeper journal of schema version 8, written by hand: the schema as that version's
-- JournalSchema created it (read from git history: versions 1 to 7, then schema 8 adds name), and rows
-- as that version's JobJournal wrote them: a batch of named hosts, one job still running (launched,
-- as a daemon stopped while it ran leaves it), one intent never confirmed, one finished. Journaled
-- before schema 9's leases: no row has an owner. Never regenerate it from the current code: it is
-- the oracle for the upgrade.
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
INSERT INTO jobs (id, transport, target_json, name, user, host, port, cookie, command, cwd, env, shell,
    timeout_s, grace_s, timeout_ms, grace_ms, phase, created_at, mirror_path, attempt, root_id, restart_mode, max_restarts, restart_delay_ms, batch_id)
VALUES
    ('v8-b1', 'ssh', '{"user":"sk20","host":"127.0.0.1","port":2230,"identityFiles":[],"knownHostsFiles":["/home/u/.ssh/known_hosts"],"connectTimeout":"00:00:03","settings":{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"yes","hashKnownHosts":false,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}}', 'web-1', 'sk20', '127.0.0.1', 2230,
     '8888000011112222333344445555bb01', 'uptime', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'planned', 1796300100000, '/home/u/.local/state/sessionkeeper/mirrors/sk20@127.0.0.1_2230/v8-b1', 1, NULL, 'no', 0, 0, 'v8-batch'),
    ('v8-b2', 'ssh', '{"user":"sk21","host":"127.0.0.1","port":2231,"identityFiles":[],"knownHostsFiles":["/home/u/.ssh/known_hosts"],"connectTimeout":"00:00:03","settings":{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"yes","hashKnownHosts":false,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}}', 'web-2', 'sk21', '127.0.0.1', 2231,
     '8888000011112222333344445555bb02', 'sleep 600', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'planned', 1796300100000, '/home/u/.local/state/sessionkeeper/mirrors/sk21@127.0.0.1_2231/v8-b2', 1, NULL, 'always', 3, 2000, 'v8-batch'),
    ('v8-sent', 'ssh', '{"user":"sk22","host":"127.0.0.1","port":2232,"identityFiles":[],"knownHostsFiles":["/home/u/.ssh/known_hosts"],"connectTimeout":"00:00:03","settings":{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"yes","hashKnownHosts":false,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}}', NULL, 'sk22', '127.0.0.1', 2232,
     '8888000011112222333344445555cc01', './deploy.sh', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'intent', 1796300200000, '/home/u/.local/state/sessionkeeper/mirrors/sk22@127.0.0.1_2232/v8-sent', 1, NULL, 'no', 0, 0, NULL);
-- What came after each launch, as MarkSending, RecordStatus and the daemon's start wrote them.
UPDATE jobs SET phase = 'finished', state = 'exited', exit_code = 0, pid = 600, pgid = 600, start_time = 601, boot_id = 'b00t-8d',
    launched_at = 1796300101000, finished_at = 1796300102000, last_seen_at = 1796300102000, committed_length = 40 WHERE id = 'v8-b1';
UPDATE jobs SET phase = 'launched', state = 'running', pid = 610, pgid = 610, start_time = 611, boot_id = 'b00t-8d',
    launched_at = 1796300101000, last_seen_at = 1796300105000, committed_length = 7, to_be_checked = 1 WHERE id = 'v8-b2';
