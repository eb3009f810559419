# loopback-sshd.sh: a throwaway OpenSSH sshd on free 127.0.0.1 ports, for the benchmarks and the
# demo (sourced, not run). Everything lives in $WORK: fresh host and user keys, authorized_keys,
# known_hosts, the config, the log, and remote-state (the targets' XDG_STATE_HOME, 1777). Key
# authentication only, no PAM, root allowed with a key, like the integration tests' SshdFixture.
#
#   loopback_port                prints a free loopback port
#   loopback_env                 the environment every session gets: XDG_STATE_HOME, and
#                                SK_MARK=$WORK to find the jobs started through it
#   loopback_sshd_start PORT...  starts sshd -D on the ports, sets SSHD_PID, writes
#                                $WORK/known_hosts; returns 1 if sshd did not come up (its log is
#                                $WORK/sshd.log). Extra sshd_config lines go in $SSHD_EXTRA; with
#                                SSHD_MATCH_SETENV=1 they set the environment themselves (SetEnv in
#                                Match blocks, starting from loopback_env) and no global SetEnv is
#                                written, since sshd keeps the first SetEnv it reads
#   loopback_sshd_stop           SIGKILLs the listener, every per-connection sshd (stopped ones are
#                                continued first) and every process whose environment holds our
#                                SK_MARK: the jobs started through it; removes the user
#                                loopback_target_user created
#   loopback_target_user WHO     sets TARGET_USER, the user the tools log in as: WHO when it names
#                                one; with WHO=plain, as root, sk-bench (login shell /bin/sh, an
#                                empty home: no rc file runs for any tool; root's profile here
#                                starts pyenv, which every login would pay), created if missing;
#                                otherwise the current user
#
# Needs: /usr/sbin/sshd, ssh-keygen, perl (IO::Socket::INET is in perl-base). Reads /proc
# directly, so procps may be missing.

SSHD_PID=
LOOPBACK_CREATED_USER=

loopback_port() {
    perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport'
}

loopback_env() {
    echo "XDG_STATE_HOME=$WORK/remote-state SK_MARK=$WORK PYENV_REHASH_TIMEOUT=0"
}

loopback_sshd_start() {
    local port
    [ -f "$WORK/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C sk-host -f "$WORK/host_ed25519"
    [ -f "$WORK/user_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C sk-user -f "$WORK/user_ed25519"
    cp "$WORK/user_ed25519.pub" "$WORK/authorized_keys"
    chmod 644 "$WORK/authorized_keys"
    mkdir -p "$WORK/remote-state"
    chmod 1777 "$WORK/remote-state"
    [ "$(id -u)" != 0 ] || { mkdir -p /run/sshd && chmod 755 /run/sshd; } # privilege separation
    {
        echo "ListenAddress 127.0.0.1"
        for port; do echo "Port $port"; done
        cat <<CONFIG
HostKey $WORK/host_ed25519
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
MaxStartups 200:30:500
CONFIG
        [ "${SSHD_MATCH_SETENV:-}" = 1 ] || echo "SetEnv $(loopback_env)"
        [ -z "${SSHD_EXTRA:-}" ] || printf '%s\n' "$SSHD_EXTRA"
    } >"$WORK/sshd_config"
    : >"$WORK/sshd.log"
    /usr/sbin/sshd -D -e -f "$WORK/sshd_config" -E "$WORK/sshd.log" </dev/null &
    SSHD_PID=$!
    disown "$SSHD_PID" # loopback_sshd_stop ends it; no "Killed" notice from bash
    : >"$WORK/known_hosts"
    for port; do echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$WORK/host_ed25519.pub")" >>"$WORK/known_hosts"; done
    for _ in $(seq 100); do
        grep -q "Server listening" "$WORK/sshd.log" && return 0
        kill -0 "$SSHD_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$SSHD_PID" 2>/dev/null || true
    SSHD_PID=
    return 1
}

# Descendants of $1, deepest last.
loopback_descendants() {
    local s p line
    local -a f
    for s in /proc/[0-9]*/stat; do
        read -r line 2>/dev/null <"$s" || continue
        read -r -a f <<<"${line##*) }"
        if [ "${f[1]}" = "$1" ]; then
            p=${s#/proc/}
            p=${p%/stat}
            echo "$p"
            loopback_descendants "$p"
        fi
    done
    return 0
}

loopback_target_user() {
    case ${1:-} in
        '') TARGET_USER=$(id -un) ;;
        plain)
            TARGET_USER=$(id -un)
            [ "$(id -u)" = 0 ] || return 0
            TARGET_USER=sk-bench
            getent passwd "$TARGET_USER" >/dev/null && return 0
            mkdir -m 755 "$WORK/skel" # empty: no .bashrc, no .profile
            useradd -m -k "$WORK/skel" -s /bin/sh -p '*' "$TARGET_USER"
            LOOPBACK_CREATED_USER=$TARGET_USER
            ;;
        *) TARGET_USER=$1 ;;
    esac
}

loopback_sshd_stop() {
    local p e
    if [ -n "$SSHD_PID" ]; then
        for p in $(loopback_descendants "$SSHD_PID"); do
            kill -CONT "$p" 2>/dev/null || true
            kill -9 "$p" 2>/dev/null || true
        done
        kill -9 "$SSHD_PID" 2>/dev/null || true
        SSHD_PID=
    fi
    for e in /proc/[0-9]*/environ; do
        if { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qxF "SK_MARK=$WORK"; then
            p=${e#/proc/}
            p=${p%/environ}
            [ "$p" = $$ ] || kill -9 "$p" 2>/dev/null || true
        fi
    done
    if [ -n "$LOOPBACK_CREATED_USER" ]; then
        userdel -r "$LOOPBACK_CREATED_USER" 2>/dev/null || true
        LOOPBACK_CREATED_USER=
    fi
    return 0
}
