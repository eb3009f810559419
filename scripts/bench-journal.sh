#!/usr/bin/env bash
# bench-journal.sh: the shared journal under load (issue 16). JOBS (default 5000) jobs across
# DAEMONS (default 3) daemons on a PostgreSQL journal, against the same jobs on the embedded SQLite
# journal with one daemon. A benchmark, not a test: JobLeaseTests and LeaseFailoverTests check the
# semantics.
#
# Usage: scripts/bench-journal.sh [--jobs N] [--daemons N] [--capacity N] [--no-build]
#
# What is measured: journal work, not SSH. 5,000 real remote jobs on 2 cores would measure sshd
# and process starts. Each daemon is a process (scripts/bench-journal/, built against
# SessionKeeper.Core) doing through the journal's own code what `sessionkeeper daemon` does for
# short jobs: every round LeaseKeeper.Tick (heartbeat, renew, claim up to its share and
# --capacity, hand back above it: 4 operations) and the poll (Unfinished: 1), and per job it holds
# the supervisor's writes, each fenced by the lease token: ConfirmLease before the launch,
# RecordStatus running, one RecordCommitted, RecordStatus exited (4). The jobs are journaled first
# as a detached batch journals them (500 per transaction), and timed apart.
#
# Reported per store: wall time from the first daemon's start to the last one's end, journal
# operations (calls as above) per second, daemon CPU per job (user+sys of the daemon processes
# after start-up, summed), and for PostgreSQL the server's CPU per job (the postmaster's own and
# its children's, from /proc, before and after). PostgreSQL runs with its defaults (fsync on) in a
# throwaway cluster: initdb + pg_ctl on a loopback port in a temp dir (as nobody when run as
# root), removed at the end. SQLite is the state directory's journal.db, as by default.
#
# Needs: dotnet, PostgreSQL's initdb/pg_ctl (/usr/lib/postgresql/*/bin), python3.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JOBS=5000
DAEMONS=3
CAPACITY=64
BUILD=1
while [ $# -gt 0 ]; do
    case $1 in
        --jobs) JOBS=$2; shift 2 ;;
        --daemons) DAEMONS=$2; shift 2 ;;
        --capacity) CAPACITY=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
        *) echo "bench-journal: unknown argument $1" >&2; exit 2 ;;
    esac
done

BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$BIN" ] && [ -x "$BIN/initdb" ] || { echo "bench-journal: PostgreSQL is not installed (apt-get install postgresql)." >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench-journal: python3 is needed." >&2; exit 1; }

PROJECT=$ROOT/scripts/bench-journal
if [ "$BUILD" = 1 ]; then
    dotnet build "$PROJECT" -c Release -nologo -clp:ErrorsOnly >/dev/null
fi
DLL=$PROJECT/bin/Release/net10.0/SessionKeeper.Bench.dll

WORK=$(mktemp -d /tmp/sk-bench-journal.XXXXXX)
chmod 755 "$WORK"
PGDATA=$WORK/pg
AS=()
if [ "$(id -u)" = 0 ]; then AS=(runuser -u nobody --); fi
mkdir -p "$PGDATA"
[ "$(id -u)" = 0 ] && chown nobody "$PGDATA"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
    "${AS[@]}" "$BIN/pg_ctl" -D "$PGDATA/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
"${AS[@]}" "$BIN/initdb" -D "$PGDATA/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null
"${AS[@]}" "$BIN/pg_ctl" -D "$PGDATA/data" -l "$PGDATA/server.log" -w -t 60 \
    -o "-p $PORT -k '' -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null
"${AS[@]}" "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc 'CREATE DATABASE bench' >/dev/null
URL="postgresql://postgres@127.0.0.1:$PORT/bench"
POSTMASTER=$(head -1 "$PGDATA/data/postmaster.pid")

# The server's CPU so far, in ms: the postmaster's own and reaped children's, plus its live children's.
server_cpu() {
    python3 - "$POSTMASTER" <<'PY'
import os, sys
pm = sys.argv[1]
tick = os.sysconf('SC_CLK_TCK')
def fields(pid):
    with open(f'/proc/{pid}/stat') as f:
        return f.read().rsplit(')', 1)[1].split()
f = fields(pm)
total = sum(int(x) for x in f[11:15])  # utime stime cutime cstime
for pid in os.listdir('/proc'):
    if pid.isdigit():
        try:
            g = fields(pid)
        except OSError:
            continue
        if g[1] == pm:
            total += int(g[11]) + int(g[12])
print(total * 1000 // tick)
PY
}

# run STORE JOURNAL DAEMONS: journals the jobs, then starts the daemons at once; prints one table row.
run() {
    local store=$1 journal=$2 daemons=$3 state=$WORK/state-$1
    mkdir -m 700 -p "$state"
    SESSIONKEEPER_STATE_DIR="$state" dotnet "$DLL" launch "$journal" "$JOBS" >"$WORK/$store.launch"
    local before=0
    [ "$store" = postgresql ] && before=$(server_cpu)
    local pids=()
    for i in $(seq 1 "$daemons"); do
        SESSIONKEEPER_STATE_DIR="$state" dotnet "$DLL" daemon "$journal" "$CAPACITY" >"$WORK/$store.d$i" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    local after=0
    if [ "$store" = postgresql ]; then sleep 0.5; after=$(server_cpu); fi
    python3 - "$store" "$daemons" "$JOBS" "$((after - before))" "$WORK/$store.launch" "$WORK"/"$store".d* <<'PY'
import sys
store, daemons, jobs, server = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
launch = open(sys.argv[5]).read().split()
rows = [list(map(int, open(p).read().split())) for p in sys.argv[6:]]
done = sum(r[0] for r in rows)
ops = sum(r[1] for r in rows)
cpu = sum(r[3] for r in rows)
wall = (max(r[5] for r in rows) - min(r[4] for r in rows)) / 1000
per = ' '.join(str(r[0]) for r in rows)
server_col = f"{server / jobs:.2f}" if store == 'postgresql' else '-'
print(f"{store:<11} {daemons:>7} {done:>6} {int(launch[2]) / 1000:>9.2f} {wall:>7.2f} {ops:>7} {ops / wall:>8.0f} {cpu / jobs:>10.2f} {server_col:>10}  {per}")
PY
}

printf '%-11s %7s %6s %9s %7s %7s %8s %10s %10s  %s\n' store daemons jobs journal_s wall_s ops ops/s cpu_ms/job pg_ms/job "jobs per daemon"
run sqlite sqlite 1
run postgresql "$URL" "$DAEMONS"
