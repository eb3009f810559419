-- A SessionKeeper journal of schema version 1, written by hand: the schema as that version's
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
INSERT INTO jobs (id, user, host, port, identity_files, known_hosts_files, connect_timeout_ms, cookie, command, cwd, env, shell,
    timeout_s, grace_s, phase, state, exit_code, signal, lost_reason, pid, pgid, start_time, boot_id,
    created_at, launched_at, finished_at, last_seen_at, mirror_path, committed_length)
VALUES
    ('v1-done', 'deploy', 'web1.example.com', 2222, '["/home/u/.ssh/id_ed25519"]', '["/home/u/.ssh/known_hosts"]', 15000,
     '00112233445566778899aabbccddeeff', './long-task.sh --flag ''x''', '/srv/app', '[["MODE","prod"]]', NULL,
     NULL, 10, 'finished', 'exited', 3, NULL, NULL, 4242, 4242, 99999, 'b00t-1d',
     1795600000000, 1795600001000, 1795600100000, 1795600100000, '/home/u/.local/state/sessionkeeper/mirrors/deploy@web1.example.com_2222/v1-done.log', 1234),
    ('v1-running', 'deploy', 'web2.example.com', 22, '[]', '[]', 15000,
     'ffeeddccbbaa99887766554433221100', 'sleep 1000', NULL, '[]', '/bin/bash',
     3600, 5, 'launched', 'running', NULL, NULL, NULL, 5151, 5150, 12345, 'b00t-2d',
     1795600200000, 1795600201000, NULL, 1795600202000, NULL, 0),
    ('v1-sent', 'ops', 'db1.example.com', 22, '[]', '[]', 5000,
     '0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f', 'make -j4', '/src', '[["A","1"],["B","two words"]]', NULL,
     1, 1, 'intent', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     1795600300000, NULL, NULL, NULL, NULL, 0);
