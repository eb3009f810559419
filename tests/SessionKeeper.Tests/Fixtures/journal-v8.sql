-- A SessionKeeper journal of schema version 8, written by hand: the schema as that version's
-- JournalSchema created it (read from git history: versions 1 to 7, then schema 8 adds name), and rows
-- as that version's JobJournal wrote them: a batch of ssh_config aliases with the names they were
-- given, and no answer_json (schema 9 keeps the target's last answer whole; a v8 row has none, so
-- `status` of its finished jobs asks the target).
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
    ('v8-done', 'ssh', '{"user":"deploy","host":"web1.example.com","port":2222,"identityFiles":["/home/u/.ssh/id_ed25519"],"knownHostsFiles":["/home/u/.ssh/known_hosts"],"connectTimeout":"00:00:15","settings":{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"yes","hashKnownHosts":false,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}}', NULL, 'deploy', 'web1.example.com', 2222,
     '7777000011112222333344445555aaaa', './long-task.sh', '/srv/app', '[["MODE","prod"]]', '/bin/bash',
     1, 3, 500, 2500, 'planned', 1796200000000, '/home/u/.local/state/sessionkeeper/mirrors/deploy@web1.example.com_2222/v8-done', 1, NULL, 'no', 0, 0, NULL),
    ('v8-b1', 'ssh', '{"user":"sk10","host":"127.0.0.1","port":2222,"identityFiles":[],"knownHostsFiles":["/home/u/.ssh/known_hosts"],"connectTimeout":"00:00:03","settings":{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"yes","hashKnownHosts":false,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}}', 'web-a', 'sk10', '127.0.0.1', 2222,
     '7777000011112222333344445555bb01', 'uptime', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'planned', 1796200100000, '/home/u/.local/state/sessionkeeper/mirrors/sk10@127.0.0.1_2222/v8-b1', 1, NULL, 'no', 0, 0, 'v8-batch'),
    ('v8-b2', 'ssh', '{"user":"sk11","host":"127.0.0.1","port":2223,"identityFiles":[],"knownHostsFiles":["/home/u/.ssh/known_hosts"],"connectTimeout":"00:00:03","settings":{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"yes","hashKnownHosts":false,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}}', 'web-b', 'sk11', '127.0.0.1', 2223,
     '7777000011112222333344445555bb02', 'uptime', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'planned', 1796200100000, '/home/u/.local/state/sessionkeeper/mirrors/sk11@127.0.0.1_2223/v8-b2', 1, NULL, 'no', 0, 0, 'v8-batch'),
    ('v8-b2-r2', 'ssh', '{"user":"sk11","host":"127.0.0.1","port":2223,"identityFiles":[],"knownHostsFiles":["/home/u/.ssh/known_hosts"],"connectTimeout":"00:00:03","settings":{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"yes","hashKnownHosts":false,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}}', 'web-b', 'sk11', '127.0.0.1', 2223,
     '7777000011112222333344445555bb03', 'uptime', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'planned', 1796200200000, '/home/u/.local/state/sessionkeeper/mirrors/sk11@127.0.0.1_2223/v8-b2-r2', 2, 'v8-b2', 'no', 0, 0, 'v8-batch');
-- What came after each launch, as MarkSending, RecordStatus and RecordNotLaunched wrote them.
UPDATE jobs SET phase = 'finished', state = 'exited', exit_code = 0, pid = 4242, pgid = 4242, start_time = 99999, boot_id = 'b00t-8d',
    launched_at = 1796200001000, finished_at = 1796200009000, last_seen_at = 1796200009000, committed_length = 1234 WHERE id = 'v8-done';
UPDATE jobs SET phase = 'finished', state = 'exited', exit_code = 0, pid = 500, pgid = 500, start_time = 501, boot_id = 'b00t-8d',
    launched_at = 1796200101000, finished_at = 1796200102000, last_seen_at = 1796200102000, committed_length = 40 WHERE id = 'v8-b1';
UPDATE jobs SET phase = 'finished', state = 'exited', exit_code = 2, pid = 510, pgid = 510, start_time = 511, boot_id = 'b00t-8d',
    launched_at = 1796200101000, finished_at = 1796200103000, last_seen_at = 1796200103000, committed_length = 12 WHERE id = 'v8-b2';
UPDATE jobs SET phase = 'not-launched', not_launched_reason = 'connection refused' WHERE id = 'v8-b2-r2';
