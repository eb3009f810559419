#!/usr/bin/env bash
# bench-fleet.sh: a fleet run of `sleep 1; echo ok` on N local hosts with SessionKeeper, with
# parallel-ssh (pssh) and with pdsh -R ssh, at the same concurrency; prints one table.
#
# Usage: scripts/bench-fleet.sh [N ...]          (as root; default: 100 500)
#
# Environment:
#   PARALLEL=32     concurrency of every tool: sessionkeeper -j, parallel-ssh -p, pdsh -f
#   SSHDS=4         sshd processes sharing the hosts (host i is served by sshd i mod SSHDS)
#   KEEP_USERS=1    keep the bench users for the next run (0: delete them at the end)
#   TOOLS="sessionkeeper parallel-ssh pdsh"   which tools to run
#   ROUNDS=1        run the tools this many times per N, in turn, the order reversed every other
#                   round (a b c, c b a, ...), so a drift of the machine's speed between runs
#                   weighs on all alike; with more than one, a summary follows the rows: each
#                   tool's median, and each ratio of the goals per round and its median
#   SK_ARGS="..."   more arguments for sessionkeeper run (e.g. --json to study its timeline)
#   KEEP_WORK=1     keep the temp dir (outputs, journals) for a look afterwards; sshd is stopped anyway
#   SK_DLL=PATH     a sessionkeeper.dll to use instead of building src/SessionKeeper.Cli -c Release
#   SK_BIN=PATH     a sessionkeeper executable to run instead of `dotnet sessionkeeper.dll`: the
#                   shipped Native AOT binary, e.g. the one
#                   `scripts/release.sh --rid linux-x64 --no-pack --out DIR` unpacks into
#                   DIR/sessionkeeper-VERSION-linux-x64/sessionkeeper (the tarball in DIR), so the
#                   controller's CPU is that of the artifact users run; nothing is built then
#   JOURNALED_FS=1  the hosts' homes (the job directories) and the controller's state on a fresh
#                   ext4 with mkfs.ext4's defaults, loop-mounted for the run (scripts/lib/journaled-fs.sh
#                   says why: this machine's root ext4 has no journal, which makes every file a
#                   job creates cost more the more were deleted lately; OpenSSH's tools create none)
#   RTT_MS=50       put the hosts behind this round-trip time: every connection goes through
#                   scripts/lib/delay-proxy.py, which holds each chunk RTT_MS/2 in each direction
#                   (this kernel has no netem; the delay is the same for every tool). The
#                   proxy's own CPU is printed apart and not counted in TARGETS.
#
# The hosts: N local users skb001..skbN (login shell /bin/sh, homes under /var/tmp/sk-bench-homes,
# created once and reused) on SSHDS throwaway OpenSSH sshd processes on 127.0.0.1 with raised
# MaxStartups, one host key and one authorized user key, all in a temp dir removed at the end
# (with the sshd processes, which are stopped by their pid files). Host i is user skbNNN on the
# port of its sshd. The OpenSSH-based tools reach host i as the ssh_config alias hNNN (HostName,
# Port, User, IdentityFile, UserKnownHostsFile set in one -F file); SessionKeeper reaches the same
# host as skbNNN@127.0.0.1:PORT from a host file, with the same key and known_hosts. Known_hosts
# checking is strict for all three.
#
# The figures, per tool and N:
#   wall      elapsed time of the controller, start to exit (/usr/bin/time %e)
#   cpu       user+sys CPU of the controller and every process it started and waited for (the
#             ssh clients of pssh and pdsh), from /usr/bin/time %U+%S; the sshd side is not counted
#   peak RSS  the largest sum of RSS over the controller's process tree (sampled every 20 ms),
#             so the 32 ssh clients of pssh and pdsh count together, like SessionKeeper's one process
#   RSS/host  peak RSS divided by N
#   targets   CPU time of the target side during the run: the sshd processes, the remote shells,
#             the wrappers and the jobs, detached or not. Each sshd runs under
#             scripts/lib/subreaper.pl, which becomes the parent of everything orphaned below it,
#             so every process's CPU time is counted when it is reaped (the sshd's own and its
#             reaped children's from /proc/PID/stat, the orphans' from the reaper's); the run's
#             figure is counted once every session and orphan of the run has ended. Other work
#             on the machine does not enter it.
#   machine   how busy the whole machine's cores were during the run
#   ok        hosts whose output line "ok" came back
# Everything (targets, sshd, controllers) shares this machine's cores, so wall time includes the
# targets' work, and there SessionKeeper does more per host: one remote call as for pssh and pdsh,
# but on the target a wrapper that records the exit status and a stream helper (one perl process
# where perl exists: 6 process starts per host for this 1-second job, against 3 for pssh and pdsh;
# about 90 with the POSIX-sh tier). On a real fleet each target pays its own share. The controllers
# differ the other way: pssh and pdsh start one OpenSSH client per host (which negotiates
# sntrup761x25519 by default), SessionKeeper holds every connection in one process (curve25519).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PARALLEL=${PARALLEL:-32}
SSHDS=${SSHDS:-4}
KEEP_USERS=${KEEP_USERS:-1}
TOOLS=${TOOLS:-sessionkeeper parallel-ssh pdsh}
ROUNDS=${ROUNDS:-1}
RTT_MS=${RTT_MS:-0}
HOMES=/var/tmp/sk-bench-homes
JOURNALED_FS=${JOURNALED_FS:-0}
# shellcheck source=lib/journaled-fs.sh
. "$ROOT/scripts/lib/journaled-fs.sh"
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100 500)

if [ "$(id -u)" -ne 0 ]; then
    echo "bench-fleet.sh: run as root (it creates local users and starts sshd)." >&2
    exit 1
fi

need=()
for pair in sshd:openssh-server ssh:openssh-client parallel-ssh:pssh pdsh:pdsh; do
    cmd=${pair%%:*} pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || need+=("$pkg")
done
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    echo "==> installing: ${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" </dev/null >&2
fi

if [ -n "${SK_BIN:-}" ]; then
    [ -x "$SK_BIN" ] || { echo "bench-fleet.sh: SK_BIN=$SK_BIN is not an executable." >&2; exit 2; }
    SK_CMD=("$(realpath "$SK_BIN")")
elif [ -z "${SK_DLL:-}" ]; then
    echo "==> building SessionKeeper (Release)" >&2
    dotnet build "$ROOT/src/SessionKeeper.Cli" -c Release -nologo -v q -clp:ErrorsOnly </dev/null >&2
    SK_DLL="$ROOT/src/SessionKeeper.Cli/bin/Release/net10.0/sessionkeeper.dll"
fi
[ -n "${SK_BIN:-}" ] || SK_CMD=(dotnet "$SK_DLL")

ulimit -n "$(ulimit -Hn)"   # 500 connections, their pipes and the journal need more than 1024
MAX=0
for n in "${SIZES[@]}"; do [ "$n" -gt "$MAX" ] && MAX=$n; done

WORK=$(mktemp -d /tmp/sk-bench.XXXXXX)
chmod 755 "$WORK"
cleanup() {
    for pidfile in "$WORK"/sshd-*.pid "$WORK"/proxy.pid "$WORK"/reaper-*.pid; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    journaled_fs_unmount
    if [ "${KEEP_WORK:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
    for home in "$HOMES"/skb*; do
        [ -d "$home/.local/state/sessionkeeper" ] && rm -rf "$home/.local/state/sessionkeeper"
    done
    if [ "$KEEP_USERS" = 0 ]; then
        for i in $(seq 1 "$MAX"); do
            user=$(printf 'skb%03d' "$i")
            getent passwd "$user" >/dev/null && userdel -r "$user" 2>/dev/null || true
        done
    fi
    return 0
}
trap cleanup EXIT

echo "==> $MAX users, $SSHDS sshd" >&2
mkdir -p "$HOMES" "$WORK/skel" "$WORK/state"
if [ "$JOURNALED_FS" = 1 ]; then
    echo "    homes and the controller's state on a fresh journaled ext4 (JOURNALED_FS=1)" >&2
    journaled_fs_mount "$HOMES" "$WORK/state"
fi
created=0
for i in $(seq 1 "$MAX"); do
    user=$(printf 'skb%03d' "$i")
    if ! getent passwd "$user" >/dev/null; then
        useradd -m -k "$WORK/skel" -d "$HOMES/$user" -s /bin/sh -p '*' "$user"
        created=$((created + 1))
    fi
    # A home missing: a user kept from a run whose homes were on a journaled ext4, or this run's is.
    [ -d "$HOMES/$user" ] || install -d -m 700 -o "$user" -g "$(id -g "$user")" "$HOMES/$user"
done
[ "$created" -eq 0 ] || echo "    created $created users (kept for the next run unless KEEP_USERS=0)" >&2

ssh-keygen -q -t ed25519 -N '' -C bench-host -f "$WORK/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -C bench-user -f "$WORK/user_ed25519"
cp "$WORK/user_ed25519.pub" "$WORK/authorized_keys"
chmod 644 "$WORK/authorized_keys"
mkdir -p /run/sshd

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORTS=()
for s in $(seq 0 $((SSHDS - 1))); do
    port=$(free_port)
    cat >"$WORK/sshd-$s.conf" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $WORK/host_ed25519
PidFile $WORK/sshd-$s.pid
AuthorizedKeysFile $WORK/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin no
LogLevel ERROR
MaxStartups 1000:30:2000
MaxSessions 20
EOF
    /usr/bin/perl "$ROOT/scripts/lib/subreaper.pl" /usr/sbin/sshd -D -f "$WORK/sshd-$s.conf" -E "$WORK/sshd-$s.log" &
    echo $! >"$WORK/reaper-$s.pid"
    PORTS+=("$port")
done
for port in "${PORTS[@]}"; do
    for _ in $(seq 1 100); do
        ssh-keyscan -p "$port" 127.0.0.1 >/dev/null 2>&1 && break
        sleep 0.1
    done
done
# The ports the tools connect to: the sshd ports, or the delay proxy's in front of them.
HOSTPORTS=("${PORTS[@]}")
PROXY_PID=
if [ "$RTT_MS" != 0 ]; then
    /usr/bin/python3 "$ROOT/scripts/lib/delay-proxy.py" "$(awk -v r="$RTT_MS" 'BEGIN { print r / 2 }')" \
        "$WORK/proxy.ports" "${PORTS[@]}" 2>"$WORK/proxy.log" &
    PROXY_PID=$!
    echo "$PROXY_PID" >"$WORK/proxy.pid"
    for _ in $(seq 1 100); do [ -f "$WORK/proxy.ports" ] && break; sleep 0.1; done
    [ -f "$WORK/proxy.ports" ] || { echo "bench-fleet.sh: the delay proxy did not start:" >&2; cat "$WORK/proxy.log" >&2; exit 1; }
    mapfile -t HOSTPORTS < <(cut -d' ' -f2 "$WORK/proxy.ports")
    echo "==> hosts behind ${RTT_MS} ms round-trip time (delay proxy, pid $PROXY_PID)" >&2
fi
for port in "${HOSTPORTS[@]}"; do
    echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$WORK/host_ed25519.pub")" >>"$WORK/known_hosts"
done

# The hosts, as each tool names them.
cat >"$WORK/ssh_config" <<EOF
Host *
    IdentityFile $WORK/user_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $WORK/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes
EOF
: >"$WORK/hosts-all.txt"
: >"$WORK/aliases-all.txt"
for i in $(seq 1 "$MAX"); do
    port=${HOSTPORTS[$((i % SSHDS))]}
    printf 'Host h%03d\n    HostName 127.0.0.1\n    Port %s\n    User skb%03d\n' "$i" "$port" "$i" >>"$WORK/ssh_config"
    printf 'skb%03d@127.0.0.1:%s\n' "$i" "$port" >>"$WORK/hosts-all.txt"
    printf 'h%03d\n' "$i" >>"$WORK/aliases-all.txt"
done

# Busy and total jiffies of all cores, from /proc/stat.
cpu_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
# CPU jiffies of the target side so far: each reaper's reaped orphans, each sshd's own and its
# reaped sessions'.
target_jiffies() {
    local s total=0 j
    for s in $(seq 0 $((SSHDS - 1))); do
        j=$(awk '{ sub(/.*\) /, ""); print $14 + $15 }' "/proc/$(cat "$WORK/reaper-$s.pid")/stat")
        total=$((total + j))
        j=$(awk '{ sub(/.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$(cat "$WORK/sshd-$s.pid")/stat")
        total=$((total + j))
    done
    echo "$total"
}
# Waits (10 s at most) until the run's sessions and orphans have all ended and been reaped: the
# sshd has no child left, and the reaper none but the sshd.
targets_settle() {
    local s i busy
    for i in $(seq 1 200); do
        busy=0
        for s in $(seq 0 $((SSHDS - 1))); do
            local sshd reaper
            sshd=$(cat "$WORK/sshd-$s.pid") reaper=$(cat "$WORK/reaper-$s.pid")
            [ -z "$(cat /proc/"$sshd"/task/*/children)" ] || busy=1
            [ "$(cat /proc/"$reaper"/task/*/children | tr -d ' ')" = "$sshd" ] || busy=1
        done
        [ "$busy" = 1 ] || return 0
        sleep 0.05
    done
    echo "bench-fleet.sh: processes of the run still alive after 10 s; TARGETS counts what ended:" >&2
    for s in $(seq 0 $((SSHDS - 1))); do
        for p in $(cat /proc/"$(cat "$WORK/sshd-$s.pid")"/task/*/children /proc/"$(cat "$WORK/reaper-$s.pid")"/task/*/children); do
            [ "$p" = "$(cat "$WORK/sshd-$s.pid")" ] || echo "    $p: $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null)" >&2
        done
    done
}
# User+system jiffies of the delay proxy so far (0 without one).
proxy_jiffies() {
    if [ -n "$PROXY_PID" ]; then awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$PROXY_PID/stat"; else echo 0; fi
}

# measure NAME N OUTFILE COMMAND...: one row of the table.
measure() {
    local name=$1 n=$2 out=$3 busy0 total0 busy1 total1
    shift 3
    read -r busy0 total0 < <(cpu_jiffies)
    local proxy0 proxy1 targets0 targets1
    proxy0=$(proxy_jiffies)
    targets0=$(target_jiffies)
    /usr/bin/time -f '%e %U %S' -o "$WORK/time" "$@" >"$out" 2>"$out.err" &
    local pid=$!
    /usr/bin/python3 - "$pid" >"$WORK/rss" <<'EOF'
import os, sys, time
root = int(sys.argv[1])
def children():
    kids = {}
    for p in os.listdir('/proc'):
        if p.isdigit():
            try:
                with open(f'/proc/{p}/stat') as f:
                    ppid = int(f.read().rsplit(')', 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(p))
            except (OSError, IndexError, ValueError):
                pass
    return kids
def rss(pid):
    try:
        with open(f'/proc/{pid}/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except OSError:
        return 0
peak = 0
while os.path.exists(f'/proc/{root}'):
    kids = children()
    tree, todo = [], list(kids.get(root, []))
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(kids.get(p, []))
    peak = max(peak, sum(rss(p) for p in tree))
    time.sleep(0.02)
print(peak)
EOF
    wait "$pid" || true
    read -r busy1 total1 < <(cpu_jiffies)
    proxy1=$(proxy_jiffies)
    targets_settle
    targets1=$(target_jiffies)
    local wall user sys peak ok
    read -r wall user sys <"$WORK/time" || { wall=? user=0 sys=0; }
    peak=$(cat "$WORK/rss")
    ok=$(grep -c -E '(^|: )ok$' "$out" || true)
    printf '%s %s %s %s %s\n' "${name%% *}" "$n" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
        "$(awk -v t="$(( targets1 - targets0 ))" -v hz="$(getconf CLK_TCK)" 'BEGIN { print t / hz }')" >>"$WORK/rows"
    awk -v name="$name" -v n="$n" -v wall="$wall" -v user="$user" -v sys="$sys" -v peak="$peak" -v ok="$ok/$n" \
        -v machine="$(( (busy1 - busy0) * 100 / (total1 - total0 + 1) ))" -v busy="$(( busy1 - busy0 ))" -v hz="$(getconf CLK_TCK)" \
        -v proxy="$(( proxy1 - proxy0 ))" -v rtt="$RTT_MS" -v targets="$(( targets1 - targets0 ))" \
        'BEGIN { printf "%-14s %5d %8.1f %8.1f %10.1f %10.1f %10.1f %8d%% %9s", name, n, wall, user + sys, peak / 1048576, peak / 1024 / n, targets / hz, machine, ok
                 if (rtt != 0) printf " %8.1f", proxy / hz
                 printf "\n" }'
}

printf '\n%-14s %5s %8s %8s %10s %10s %10s %9s %9s' TOOL N "WALL s" "CPU s" "PEAK MiB" "KiB/HOST" "TARGETS s" MACHINE OK
if [ "$RTT_MS" != 0 ]; then printf ' %8s   (RTT %s ms)' "PROXY s" "$RTT_MS"; fi
printf '\n'
# run_tool TOOL N ROUND: one row.
run_tool() {
    local tool=$1 n=$2 r=$3
    case $tool in
        sessionkeeper) measure sessionkeeper "$n" "$WORK/sk-$n.out" \
            env SESSIONKEEPER_STATE_DIR="$WORK/state/state-$n-$r" "${SK_CMD[@]}" run -j "$PARALLEL" -i "$WORK/user_ed25519" --known-hosts "$WORK/known_hosts" \
            --shell /bin/sh ${SK_ARGS:-} -H "@$WORK/hosts-$n.txt" -- 'sleep 1; echo ok' ;;
        parallel-ssh) measure parallel-ssh "$n" "$WORK/pssh-$n.out" \
            parallel-ssh -h "$WORK/aliases-$n.txt" -p "$PARALLEL" -t 0 -i -x "-F $WORK/ssh_config" 'sleep 1; echo ok' ;;
        pdsh) measure "pdsh -R ssh" "$n" "$WORK/pdsh-$n.out" \
            env PDSH_SSH_ARGS="-F $WORK/ssh_config -x -a %h" pdsh -R ssh -f "$PARALLEL" -w "^$WORK/aliases-$n.txt" 'sleep 1; echo ok' ;;
    esac
}
: >"$WORK/rows"
read -r -a tools <<<"$TOOLS"
for n in "${SIZES[@]}"; do
    head -n "$n" "$WORK/hosts-all.txt" >"$WORK/hosts-$n.txt"
    head -n "$n" "$WORK/aliases-all.txt" >"$WORK/aliases-$n.txt"
    for r in $(seq 1 "$ROUNDS"); do
        if [ $((r % 2)) = 1 ]; then order=("${tools[@]}"); else order=(); for t in "${tools[@]}"; do order=("$t" "${order[@]}"); done; fi
        for t in "${order[@]}"; do run_tool "$t" "$n" "$r"; done
    done
done

# With more rounds: each tool's medians, then the goals' ratios per round and their medians
# (wall and targets' CPU against pdsh; the controller's CPU, and wall for RTT_MS runs, against
# parallel-ssh).
if [ "$ROUNDS" -gt 1 ]; then
    awk -v rounds="$ROUNDS" '
        function median(list,   a, k, m, i, j, t) {
            m = split(list, a, " ")
            for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
        }
        { tool = $1; n = $2; seen[n] = 1; has[tool] = 1; k = tool SUBSEP n; c[k]++
          wall[k, c[k]] = $3; cpu[k, c[k]] = $4; tg[k, c[k]] = $5
          walls[k] = walls[k] " " $3; cpus[k] = cpus[k] " " $4; tgs[k] = tgs[k] " " $5 }
        END {
            printf "\nmedians of %d rounds:\n%-14s %5s %8s %8s %10s\n", rounds, "TOOL", "N", "WALL s", "CPU s", "TARGETS s"
            for (n in seen) for (tool in has) { k = tool SUBSEP n; if (c[k]) printf "%-14s %5d %8.1f %8.1f %10.1f\n", tool, n, median(walls[k]), median(cpus[k]), median(tgs[k]) }
            for (n in seen) {
                s = "sessionkeeper" SUBSEP n; d = "pdsh" SUBSEP n; p = "parallel-ssh" SUBSEP n
                if (c[s] && c[d]) {
                    w = ""; t = ""
                    for (i = 1; i <= c[s] && i <= c[d]; i++) { w = w sprintf(" %.2f", wall[s, i] / wall[d, i]); t = t sprintf(" %.2f", tg[s, i] / tg[d, i]) }
                    printf "N=%d sessionkeeper/pdsh per round: wall%s (median %.2f); targets%s (median %.2f)\n", n, w, median(w), t, median(t)
                }
                if (c[s] && c[p]) {
                    u = ""; w = ""
                    for (i = 1; i <= c[s] && i <= c[p]; i++) { u = u sprintf(" %.2f", cpu[s, i] / cpu[p, i]); w = w sprintf(" %.2f", wall[s, i] / wall[p, i]) }
                    printf "N=%d sessionkeeper/parallel-ssh per round: controller CPU%s (median %.2f); wall%s (median %.2f)\n", n, u, median(u), w, median(w)
                }
            }
        }' "$WORK/rows"
fi
