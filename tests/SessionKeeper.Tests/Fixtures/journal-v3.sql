-- A SessionKeeper journal of schema version 3, written by hand: the schema as that version's
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
INSERT INTO jobs (id, user, host, port, identity_files, known_hosts_files, connect_timeout_ms, cookie, command, cwd, env, shell,
    timeout_s, grace_s, phase, state, exit_code, signal, lost_reason, pid, pgid, start_time, boot_id,
    created_at, launched_at, finished_at, last_seen_at, mirror_path, committed_length,
    attempt, root_id, restart_mode, max_restarts, restart_delay_ms, batch_id, to_be_checked, ssh_settings)
VALUES
    ('v3-jump', 'app', 'inner.example.com', 22, '["/home/u/.ssh/id_ed25519"]', '["/home/u/.ssh/known_hosts"]', 10000,
     'aaaabbbbccccddddeeeeffff00001111', 'backup --all', NULL, '[]', NULL,
     7200, 30, 'launched', 'running', NULL, NULL, NULL, 9001, 9001, 555, 'b00t-4d',
     1795800000000, 1795800001000, NULL, 1795800002000, NULL, 4096,
     1, NULL, 'no', 0, 0, NULL, 0,
     '{"jumpHosts":[{"user":"jump","host":"bastion.example.com","port":2201,"identityFiles":["/home/u/.ssh/id_jump"],"knownHostsFiles":["/home/u/.ssh/known_hosts"],"connectTimeout":"00:00:10","settings":{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"accept-new","hashKnownHosts":false,"hostKeyAlias":"bastion","useAgent":false,"identitiesOnly":true,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3},"label":"jump@bastion.example.com:2201"}],"globalKnownHostsFiles":["/etc/ssh/ssh_known_hosts"],"strictHostKeyChecking":"yes","hashKnownHosts":true,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":["curve25519-sha256"],"serverAliveInterval":15,"serverAliveCountMax":4}'),
    ('v3-sent', 'app', 'other.example.com', 22, '[]', '[]', 15000,
     '2222333344445555666677778888999a', 'true', NULL, '[]', NULL,
     NULL, 10, 'intent', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     1795800100000, NULL, NULL, NULL, NULL, 0,
     1, NULL, 'no', 0, 0, NULL, 0, NULL);
