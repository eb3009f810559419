-- A SessionKeeper journal of schema version 6, written by hand: the schema as that version's
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
CREATE TABLE batch_stops (batch TEXT PRIMARY KEY, stop_reason TEXT NOT NULL, stopped_at INTEGER NOT NULL);
UPDATE meta SET value = '6' WHERE key = 'schema_version';
INSERT INTO jobs (id, user, host, port, identity_files, known_hosts_files, connect_timeout_ms, cookie, command, cwd, env, shell,
    timeout_s, grace_s, timeout_ms, grace_ms, phase, created_at, mirror_path, attempt, root_id, restart_mode, max_restarts, restart_delay_ms, batch_id, ssh_settings)
VALUES
    ('v6-done', 'deploy', 'web1.example.com', 2222, '["/home/u/.ssh/id_ed25519","/home/u/My Keys/id_rsa"]', '["/home/u/.ssh/known_hosts"]', 15000,
     '6666000011112222333344445555aaaa', './long-task.sh --flag ''x''', '/srv/app', '[["MODE","prod"],["QUOTE","it\u0027s"]]', '/bin/bash',
     1, 3, 500, 2500, 'intent', 1796100000000, '/home/u/.local/state/sessionkeeper/mirrors/deploy@web1.example.com_2222/v6-done.log', 1, NULL, 'no', 0, 0, NULL, NULL),
    ('v6-jump', 'app', 'inner.example.com', 22, '["/home/u/.ssh/id_ed25519"]', '["/home/u/.ssh/known_hosts","/home/u/.ssh/known_hosts2"]', 2500,
     '6666000011112222333344445555bbbb', 'backup --all', NULL, '[]', NULL,
     7200, 30, 7200000, 30000, 'intent', 1796100100000, '/home/u/.local/state/sessionkeeper/mirrors/app@inner.example.com/v6-jump.log', 1, NULL, 'no', 0, 0, NULL,
     '{"jumpHosts":[{"user":"jump","host":"bastion.example.com","port":2201,"identityFiles":["/home/u/.ssh/id_jump"],"knownHostsFiles":["/home/u/.ssh/known_hosts"],"connectTimeout":"00:00:10","settings":{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"accept-new","hashKnownHosts":false,"hostKeyAlias":"bastion","useAgent":false,"identitiesOnly":true,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3},"label":"jump@bastion.example.com:2201"},{"user":"hop","host":"10.0.0.7","port":22,"identityFiles":[],"knownHostsFiles":[],"connectTimeout":"00:00:02.5000000","label":"hop@10.0.0.7"}],"globalKnownHostsFiles":["/etc/ssh/ssh_known_hosts"],"strictHostKeyChecking":"yes","hashKnownHosts":true,"hostKeyAlias":"inner","useAgent":true,"identitiesOnly":false,"certificateFiles":["/home/u/.ssh/id_ed25519-cert.pub"],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":["curve25519-sha256","sntrup761x25519-sha512"],"serverAliveInterval":15,"serverAliveCountMax":4}'),
    ('v6-bytes', 'ci', 'build.example.com', 22, '[]', '[]', 15000,
     '6666000011112222333344445555cccc', X'6563686f20ff27800a78', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'intent', 1796100200000, '/home/u/.local/state/sessionkeeper/mirrors/ci@build.example.com/v6-bytes.log', 1, NULL, 'no', 0, 0, NULL,
     '{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"yes","hashKnownHosts":false,"useAgent":false,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}'),
    ('v6-root', 'ops', 'db1.example.com', 22, '["/home/u/.ssh/id_ed25519"]', '[]', 15000,
     '6666000011112222333344445555dddd', './migrate.sh', NULL, '[]', NULL,
     600, 10, 600000, 10000, 'intent', 1796100300000, '/home/u/.local/state/sessionkeeper/mirrors/ops@db1.example.com/v6-root.log', 1, NULL, 'on-failure', 2, 1500, NULL,
     '{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"accept-new","hashKnownHosts":false,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}'),
    ('v6-root-r2', 'ops', 'db1.example.com', 22, '["/home/u/.ssh/id_ed25519"]', '[]', 15000,
     '6666000011112222333344445555eeee', './migrate.sh', NULL, '[]', NULL,
     600, 10, 600000, 10000, 'intent', 1796100400000, '/home/u/.local/state/sessionkeeper/mirrors/ops@db1.example.com/v6-root-r2.log', 2, 'v6-root', 'on-failure', 2, 1500, NULL,
     '{"jumpHosts":[],"globalKnownHostsFiles":[],"strictHostKeyChecking":"accept-new","hashKnownHosts":false,"useAgent":true,"identitiesOnly":false,"certificateFiles":[],"batchMode":true,"passwordAuthentication":false,"kexAlgorithms":[],"serverAliveInterval":0,"serverAliveCountMax":3}'),
    ('v6-b1', 'ci', 'b1.example.com', 22, '[]', '[]', 15000,
     '6666000011112222333344445555ff01', 'deploy.sh', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'planned', 1796100500000, '/home/u/.local/state/sessionkeeper/mirrors/ci@b1.example.com/v6-b1.log', 1, NULL, 'no', 0, 0, 'v6-batch', NULL),
    ('v6-b2', 'ci', 'b2.example.com', 22, '[]', '[]', 15000,
     '6666000011112222333344445555ff02', 'deploy.sh', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'planned', 1796100500000, '/home/u/.local/state/sessionkeeper/mirrors/ci@b2.example.com/v6-b2.log', 1, NULL, 'no', 0, 0, 'v6-batch', NULL),
    ('v6-b3', 'ci', 'b3.example.com', 22, '[]', '[]', 15000,
     '6666000011112222333344445555ff03', 'deploy.sh', NULL, '[]', NULL,
     NULL, 10, NULL, 10000, 'planned', 1796100500000, '/home/u/.local/state/sessionkeeper/mirrors/ci@b3.example.com/v6-b3.log', 1, NULL, 'no', 0, 0, 'v6-batch', NULL);
-- What came after each launch, as RecordStatus, MarkSending, RecordNotLaunched and RecordBatchNotLaunched wrote it.
UPDATE jobs SET phase = 'finished', state = 'exited', exit_code = 0, pid = 4242, pgid = 4242, start_time = 99999, boot_id = 'b00t-6d',
    launched_at = 1796100001000, finished_at = 1796100009000, last_seen_at = 1796100009000, committed_length = 1234 WHERE id = 'v6-done';
UPDATE jobs SET phase = 'launched', state = 'running', pid = 9001, pgid = 9001, start_time = 555, boot_id = 'b00t-6d',
    launched_at = 1796100101000, last_seen_at = 1796100102000, committed_length = 4096, to_be_checked = 1 WHERE id = 'v6-jump';
UPDATE jobs SET phase = 'finished', state = 'killed', exit_code = 137, signal = 9, pid = 321, pgid = 321, start_time = 777, boot_id = 'b00t-6d',
    launched_at = 1796100201000, finished_at = 1796100203000, last_seen_at = 1796100203000, committed_length = 12 WHERE id = 'v6-bytes';
UPDATE jobs SET phase = 'finished', state = 'exited', exit_code = 1, pid = 700, pgid = 700, start_time = 701, boot_id = 'b00t-6d',
    launched_at = 1796100301000, finished_at = 1796100302000, last_seen_at = 1796100302000, committed_length = 80 WHERE id = 'v6-root';
UPDATE jobs SET phase = 'launched', state = 'running', pid = 702, pgid = 702, start_time = 703, boot_id = 'b00t-6d',
    launched_at = 1796100401000, last_seen_at = 1796100401000 WHERE id = 'v6-root-r2';
UPDATE jobs SET phase = 'finished', state = 'lost', lost_reason = 'identity-mismatch',
    launched_at = 1796100501000, finished_at = 1796100502000, last_seen_at = 1796100502000 WHERE id = 'v6-b1';
UPDATE jobs SET phase = 'not-launched', not_launched_reason = 'host key refused' WHERE id = 'v6-b2';
INSERT INTO batch_stops (batch, stop_reason, stopped_at) VALUES ('v6-batch', 'interrupted before the launch request was sent', 1796100600000);
