#!/usr/bin/env bash
# demo.sh: a remote job that survives a killed SSH connection, on a throwaway local sshd.
#
# Usage: scripts/demo.sh
#
# Installs openssh-server/openssh-client with apt-get if they are missing, builds the CLI
# (Release), starts a throwaway sshd on a free 127.0.0.1 port with fresh host and user keys and
# its own known_hosts (all in a temp dir removed at exit), then runs a job in the foreground with
# `sessionkeeper run` that prints a line a second for 6 s and exits 3. Halfway through it SIGKILLs
# the per-connection sshd: the CLI reconnects, the output resumes where it stopped, and exit code 3
# comes back. Finally a fresh `sessionkeeper status` reads the result again.
#
# Runs as root, or as a user with sudo (used only for apt-get); no questions asked.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=
CLI_PID=

say() { printf '==> %s\n' "$*"; }
die() {
    printf 'demo: %s\n' "$*" >&2
    exit 1
}

# shellcheck source=lib/loopback-sshd.sh
. "$ROOT/scripts/lib/loopback-sshd.sh"

cleanup() {
    [ -n "$CLI_PID" ] && kill -9 "$CLI_PID" 2>/dev/null
    if [ -n "$WORK" ]; then
        loopback_sshd_stop
        rm -rf "$WORK"
    fi
    return 0
}
trap cleanup EXIT

# --- 1. what is missing -----------------------------------------------------------------------
missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "need root or sudo to install ${missing[*]}"
        SUDO=(sudo -n)
    fi
    say "installing ${missing[*]} with apt-get"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null 2>&1 || die "the .NET SDK (dotnet) is not on PATH"

# --- 2. build ---------------------------------------------------------------------------------
say "building the CLI (dotnet build -c Release src/SessionKeeper.Cli)"
dotnet build -c Release "$ROOT/src/SessionKeeper.Cli" -nologo -v quiet >/dev/null \
    || die "build failed; run: dotnet build -c Release src/SessionKeeper.Cli"
CLI_DLL=$ROOT/src/SessionKeeper.Cli/bin/Release/net10.0/sessionkeeper.dll
[ -f "$CLI_DLL" ] || die "build produced no $CLI_DLL"

# --- 3. a throwaway sshd ----------------------------------------------------------------------
WORK=$(mktemp -d /tmp/sk-demo-XXXXXX)
chmod 755 "$WORK"
for _ in 1 2 3 4 5; do
    PORT=$(loopback_port)
    loopback_sshd_start "$PORT" && break # a port taken between the probe and sshd's bind: again
done
[ -n "$SSHD_PID" ] || die "sshd did not start: $(cat "$WORK/sshd.log")"
say "throwaway sshd (pid $SSHD_PID) on 127.0.0.1:$PORT, keys and known_hosts in $WORK"

USER_NAME=$(id -un)
SK=(dotnet "$CLI_DLL" --state-dir "$WORK/local-state")
CONN=(-p "$PORT" -i "$WORK/user_ed25519" --known-hosts "$WORK/known_hosts")
HOST=$USER_NAME@127.0.0.1
JOB=demo-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
LOG=$WORK/remote-state/sessionkeeper/jobs/$JOB/out

# --- 4. the job, and a killed connection ------------------------------------------------------
COMMAND='for i in 1 2 3 4 5 6; do echo "line $i of 6"; sleep 1; done; exit 3'
say "sessionkeeper run $HOST -- '$COMMAND'"
# The CLI's stdout goes to the terminal and to run.out; its exit code to run.rc.
{
    "${SK[@]}" run --id "$JOB" "${CONN[@]}" "$HOST" -- "$COMMAND" &
    echo $! >"$WORK/cli.pid"
    rc=0
    wait $! || rc=$?
    echo "$rc" >"$WORK/run.rc"
} | tee "$WORK/run.out" &
PIPE_PID=$!
for _ in $(seq 400); do
    grep -q "line 3" "$LOG" 2>/dev/null && break
    sleep 0.02
done
grep -q "line 3" "$LOG" 2>/dev/null || die "the job never printed line 3"
CLI_PID=$(cat "$WORK/cli.pid")
SESSION=
for p in $(loopback_descendants "$SSHD_PID"); do
    case $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline") in "sshd: $USER_NAME@notty"*) SESSION=$p ;; esac
done
[ -n "$SESSION" ] || die "found no per-connection sshd"
say "SIGKILL of the per-connection sshd (pid $SESSION) in the middle of the job"
kill -9 "$SESSION"

wait "$PIPE_PID"
CLI_PID=
CODE=$(cat "$WORK/run.rc")
say "sessionkeeper run exited with $CODE"
expected=$(for i in 1 2 3 4 5 6; do echo "line $i of 6"; done)
if [ "$(cat "$WORK/run.out")" = "$expected" ]; then
    say "all 6 lines arrived once each, in order, across the killed connection"
else
    die "the output is not the 6 lines expected: $(cat "$WORK/run.out")"
fi
[ "$CODE" = 3 ] || die "expected exit code 3, got $CODE"

# --- 5. a fresh process reads the result ------------------------------------------------------
say "sessionkeeper status $HOST $JOB (a new process, a new connection)"
"${SK[@]}" status "${CONN[@]}" "$HOST" "$JOB"
say "done: the job outlived its connection and its exit code 3 came back"
