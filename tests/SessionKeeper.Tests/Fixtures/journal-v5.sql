-- A SessionKeeper journal of schema version 5, written by hand: the schema as that version's
-- JournalSchema created it (read from git history), and rows as that version's JobJournal wrote them.
-- Never regenerate it from the current code: it is the oracle for the upgrade.
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
INSERT INTO jobs (id, user, host, port, identity_files, known_hosts_files, connect_timeout_ms, cookie, command, cwd, env, shell,
    timeout_s, grace_s, phase, state, exit_code, signal, lost_reason, pid, pgid, start_time, boot_id,
    created_at, launched_at, finished_at, last_seen_at, mirror_path, committed_length,
    attempt, root_id, restart_mode, max_restarts, restart_delay_ms, batch_id, to_be_checked, ssh_settings, not_launched_reason,
    timeout_ms, grace_ms)
VALUES
    ('v5-done', 'ci', 'build.example.com', 22, '[]', '[]', 15000,
     '1234567890abcdef1234567890abcd05', 'make test', NULL, '[]', NULL,
     1, 3, 'finished', 'timed-out', 143, 15, NULL, 321, 321, 777, 'b00t-5d',
     1796000000000, 1796000001000, 1796000003000, 1796000003000, '/home/u/.local/state/sessionkeeper/mirrors/ci@build.example.com/v5-done.log', 12,
     1, NULL, 'no', 0, 0, NULL, 0, NULL, NULL,
     500, 2500),
    ('v5-planned', 'ci', 'b1.example.com', 22, '[]', '[]', 15000,
     'abcdefabcdefabcdefabcdefabcdef51', 'deploy.sh', NULL, '[]', NULL,
     NULL, 10, 'planned', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     1796000100000, NULL, NULL, NULL, NULL, 0,
     1, NULL, 'no', 0, 0, 'v5-batch', 0, NULL, NULL,
     NULL, 10000),
    ('v5-stopped', 'ci', 'b2.example.com', 22, '[]', '[]', 15000,
     'abcdefabcdefabcdefabcdefabcdef52', 'deploy.sh', NULL, '[]', NULL,
     NULL, 10, 'not-launched', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     1796000100000, NULL, NULL, NULL, NULL, 0,
     1, NULL, 'no', 0, 0, 'v5-batch', 0, NULL, 'interrupted before the launch request was sent',
     NULL, 10000);
