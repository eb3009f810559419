#!/usr/bin/env bash
# bench-start.sh: what a single command costs from a cold start (issue 13), against a throwaway
# local sshd.
#
# Usage: scripts/bench-start.sh [--rounds N] [--native PATH] [--user NAME] [--keep]
#
# Every remote command logs in as one target user whose login shell is /bin/sh with an empty home,
# so no rc file runs for either tool (root's profile here starts pyenv, about 0.8 s per login, and
# its lock contention made the ratios noise). As root that user is sk-bench, created for the run
# (useradd, shell /bin/sh, empty skeleton) and removed at the end; --user NAME picks an existing
# one; without root, the current user (say so when comparing figures).
#
# What it does, all on 127.0.0.1 and in a temp dir it deletes at the end (--keep keeps it):
#   1. the native binary: --native PATH, else $SESSIONKEEPER_NATIVE_BIN, else it publishes one
#      (scripts/release.sh --rid linux-x64 --no-pack, several minutes); the JIT build is
#      `dotnet sessionkeeper.dll` from `dotnet build -c Release src/SessionKeeper.Cli`;
#   2. starts an OpenSSH sshd on a free loopback port like bench-stream.sh (fresh host and user
#      keys, no PAM, XDG_STATE_HOME set);
#   3. paired runs, one of each per round in turn (A B C A B C ..., default 15 rounds), every one a
#      new process and a new connection:
#        native `run -d HOST -- sleep 5`, JIT `run -d HOST -- sleep 5`, and
#        `ssh HOST 'nohup sleep 5 >/dev/null 2>&1 </dev/null &'` (OpenSSH, no ControlMaster);
#      then, local only, `jobs` (the journal) and `status JOB` of a job run in the foreground (so
#      settled: answered from the journal), native and JIT;
#   4. prints one table of medians: wall time (bash's $EPOCHREALTIME around the process), CPU (user + system
#      of the process and its children, /usr/bin/time) and peak RSS, and each one's ratio to ssh.
#
# Needs: dotnet, /usr/sbin/sshd, ssh, ssh-keygen, perl, /usr/bin/time. Exit 0 unless something
# failed to run.
set -euo pipefail

ROUNDS=15
KEEP=0
NATIVE=${SESSIONKEEPER_NATIVE_BIN:-}
TARGET_USER=
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) ROUNDS=$2; shift 2 ;;
        --native) NATIVE=$2; shift 2 ;;
        --user) TARGET_USER=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
        *) echo "bench-start: unknown argument $1" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/sk-bench-start-XXXXXX)
chmod 755 "$WORK"
# shellcheck source=lib/loopback-sshd.sh
. "$ROOT/scripts/lib/loopback-sshd.sh"

cleanup() {
    loopback_sshd_stop
    if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The shell's own clock (bash 5): no process is started to read it. A perl -MTime::HiRes per
# timestamp put that process's start, about 8 ms here, into every figure (ssh's too).
now() { echo "$EPOCHREALTIME"; }

echo "== building"
dotnet build -c Release -v q -nologo "$ROOT/src/SessionKeeper.Cli" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
JIT=(dotnet "$ROOT/src/SessionKeeper.Cli/bin/Release/net10.0/sessionkeeper.dll")
if [ -z "$NATIVE" ]; then
    "$ROOT/scripts/release.sh" --rid linux-x64 --no-pack --out "$WORK/release" >"$WORK/release.log" 2>&1 || { cat "$WORK/release.log" >&2; exit 1; }
    tar -C "$WORK" -xzf "$WORK"/release/sessionkeeper-*-linux-x64.tar.gz
    NATIVE=$(echo "$WORK"/sessionkeeper-*-linux-x64/sessionkeeper)
fi
file -L "$NATIVE" | grep -q ELF || { echo "bench-start: $NATIVE is not a native executable" >&2; exit 1; }

echo "== starting sshd"
mkdir -m 700 "$WORK/state-native" "$WORK/state-jit"
PORT=$(loopback_port)
loopback_sshd_start "$PORT" || { cat "$WORK/sshd.log" >&2; exit 1; }
loopback_target_user "${TARGET_USER:-plain}"
HOST="$TARGET_USER@127.0.0.1"
CONN=(-p "$PORT" -i "$WORK/user_ed25519" --known-hosts "$WORK/known_hosts")
SSH=(ssh -F /dev/null -i "$WORK/user_ed25519" -p "$PORT" -o "UserKnownHostsFile=$WORK/known_hosts"
    -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -T)
echo "sshd on port $PORT; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg); $("${SSH[@]}" -V 2>&1)"
echo "target user $TARGET_USER, login shell $(getent passwd "$TARGET_USER" | cut -d: -f7)"

# sample NAME CMD...: one run, appended to $WORK/NAME as "wall cpu rss_kib"; a failure stops the bench.
sample() {
    local name=$1 t0 t1
    shift
    t0=$(now)
    /usr/bin/time -f '%U %S %M' -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || {
        echo "bench-start: $name failed:" >&2; cat "$WORK/err" >&2; exit 1
    }
    t1=$(now)
    read -r user sys rss <"$WORK/time"
    perl -e 'printf "%.4f %.2f %d\n", $ARGV[0] - $ARGV[1], $ARGV[2] + $ARGV[3], $ARGV[4]' "$t1" "$t0" "$user" "$sys" "$rss" >>"$WORK/$name"
}

echo "== $ROUNDS rounds of run -d (native, JIT, ssh nohup in turn)"
for r in $(seq "$ROUNDS"); do
    sample run-native "$NATIVE" --state-dir "$WORK/state-native" run -d "${CONN[@]}" "$HOST" -- sleep 5
    sample run-jit "${JIT[@]}" --state-dir "$WORK/state-jit" run -d "${CONN[@]}" "$HOST" -- sleep 5
    sample run-ssh "${SSH[@]}" "$HOST" 'nohup sleep 5 >/dev/null 2>&1 </dev/null &'
done

echo "== $ROUNDS rounds of jobs and status of a finished job"
# Run in the foreground, each job is followed to its end and settled: the journal records it
# finished, and `status` answers from there (after `run -d` and `wait` it would ask the target).
FINISHED_NATIVE=fin-native-$$
FINISHED_JIT=fin-jit-$$
"$NATIVE" --state-dir "$WORK/state-native" run --id "$FINISHED_NATIVE" "${CONN[@]}" "$HOST" -- true
"${JIT[@]}" --state-dir "$WORK/state-jit" run --id "$FINISHED_JIT" "${CONN[@]}" "$HOST" -- true
for r in $(seq "$ROUNDS"); do
    sample jobs-native "$NATIVE" --state-dir "$WORK/state-native" jobs
    sample jobs-jit "${JIT[@]}" --state-dir "$WORK/state-jit" jobs
    sample status-native "$NATIVE" --state-dir "$WORK/state-native" status "$FINISHED_NATIVE"
    sample status-jit "${JIT[@]}" --state-dir "$WORK/state-jit" status "$FINISHED_JIT"
done

# median FILE COLUMN
median() { cut -d' ' -f"$2" "$1" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { perl -e 'printf($ARGV[1] > 0 ? "%.2fx" : "-", $ARGV[1] > 0 ? $ARGV[0] / $ARGV[1] : 0)' "$1" "$2"; }

echo
echo "medians of $ROUNDS paired runs; ratios to ssh's nohup launch"
printf '| %-28s | %9s | %8s | %9s | %10s | %9s |\n' work wall CPU "peak RSS" "wall/ssh" "CPU/ssh"
printf '|%s|%s|%s|%s|%s|%s|\n' ------------------------------ ----------- ---------- ----------- ------------ -----------
ssh_wall=$(median "$WORK/run-ssh" 1) ssh_cpu=$(median "$WORK/run-ssh" 2)
row() {
    local label=$1 file=$WORK/$2 wall cpu rss
    wall=$(median "$file" 1) cpu=$(median "$file" 2) rss=$(median "$file" 3)
    printf '| %-28s | %7.3f s | %6.2f s | %5d MiB | %10s | %9s |\n' "$label" "$wall" "$cpu" $((${rss%.*} / 1024)) \
        "$([ "$3" = ratio ] && ratio "$wall" "$ssh_wall" || echo -)" "$([ "$3" = ratio ] && ratio "$cpu" "$ssh_cpu" || echo -)"
}
row "ssh nohup launch" run-ssh ratio
row "run -d, native" run-native ratio
row "run -d, JIT" run-jit ratio
row "jobs, native" jobs-native -
row "jobs, JIT" jobs-jit -
row "status (finished), native" status-native -
row "status (finished), JIT" status-jit -
