# SessionKeeper remote runner, protocol 2.
#
# Read by a constant `exec /bin/sh -s`; the client appends the request (shell-quoted variables and a
# call to sk_main) and wraps everything in one brace group, so a payload cut short by a dropped
# connection is never parsed completely and nothing of it runs. POSIX sh only: dash, bash and
# BusyBox ash. Every line the client acts on starts with "@@SK2 "; anything else is noise.
#
# Job directory layout 2 (all files 0600, directory 0700):
#   proto                               "2 sh" or "2 perl": the layout and the wrapper's tier, written
#                                       by launch before the rest (see sk_layout)
#   cmd cwd env shell cookie limits     the request, stored verbatim
#   wrapper.sh | keeper.pl              the supervising wrapper of the job's tier: POSIX sh (see
#                                       wrapper.sh) or, where perl exists, perl (see keeper.pl)
#   start.lock/                         created once by whoever starts the wrapper
#   wrapper                             "pid starttime" of the wrapper
#   pid pgid starttime boot_id          identity of the job, written by the job itself; no signal
#                                       trusts them alone (see sk_ours)
#   out err                             the job's stdout and stderr, append-only, plain bytes
#   exit                                "v1 kind code signal timedout ended [nospace]", written atomically
#   exit.slot                           pre-allocated at launch: the wrapper writes the exit record
#                                       into it in place when the disk is full (then "nospace")
#   helpers/<client>                    "pid starttime" of the stream helper serving <client>
#   stdin                               "null" (the job reads /dev/null) or "spool" (it reads in)
#   in                                  the stdin spool, append-only, written by one uploader at a time
#   in.eof                              "N": the spool is complete at N bytes (written once, by rename)
#   uploader                            "pid start catpid catstart" of the upload call writing in
#   feeder                              "pid" of the wrapper's feeder (the job's stdin pipe)
# Layout 3 (keeper.pl's, where it makes the directory: the run verb's sk_run_fast and sk_serve) has
# fewer files, each inode costing the target CPU: proto "3 perl CREATED COOKIE UMASK TIMEOUT GRACE
# STDIN" (one line, by rename, before start.lock) in place of created cookie umask limits stdin;
# ident "PID PGID STARTTIME BOOT_ID SIGIGN SIGBLK SIGRESET" (written whole by the job, by rename) in
# place of pid pgid starttime boot_id signals; no cwd, env or shell when empty; sk_serve's jobs no
# helpers/ until a stream helper makes it (mkdir -p here, mkdir in stream.pl). sk_rec reads a
# record of either layout; replies say layout=2 for both (the output files are the same).
# An adopted job (sessionkeeper adopt, see sk_adopt) is layout 2 with proto "2 adopted": a process
# started by hand in a terminal, recorded here; no wrapper, no exit record, ever.
# Layout 1 (wave 1, no proto) differs only in one file, log, for stdout and stderr together: its
# directories are still served by every verb, with one stream token (l) instead of two (o, e).
#
# A run request goes perl-first (RunnerRequest.ToPayload, sk_first, front.pl): a first brace group
# with this runner but its lazy text (below) and the request's small values, whose sh execs perl,
# which reads the rest of the payload from the channel itself; a here-document sh skips otherwise;
# then the whole payload as every other request sends it, for sh where there is no perl.
#
# As sent, the functions between "# sk-lazy-begin" and "# sk-lazy-end" lines are not code but the
# text of one variable, sk_lazy_text (the build's ScriptStripper quotes them), defined by sk_lazy
# when a call first needs them: every verb but run, and every path of run but the fast tier's
# (sk_run_fast, sk_stream_after). The run verb served by perl is then parsed from about a fifth of
# the runner: dash takes 3 times longer to parse a function than to read the same bytes quoted
# (about 1 ms of CPU per run on the development machine). As written, the functions are plain
# code and sk_lazy does nothing, so the source means what the sent script means.

sk_reply() { printf '@@SK2 %s\n' "$*"; }

sk_fail() {
    sk_reply "error code=$1"
    sk_reply end
    exit 0
}

sk_isnum() {
    case $1 in '' | *[!0-9]*) return 1 ;; esac
    return 0
}

# sk-lazy-begin
# A regular file, not a symlink: nothing in a job directory is followed or read otherwise (a FIFO
# would block the reader forever, a symlink would show another file as the job's).
sk_regular() {
    [ -f "$1" ] && [ ! -L "$1" ]
}

# First 128 bytes of a small state file, never more: files on the target are not trusted.
sk_small() {
    sk_regular "$1" || return 1
    dd if="$1" bs=128 count=1 2>/dev/null
}

# sk_rec NAME: prints the job's record NAME, from layout 2's file of that name or from layout 3's
# ident (the job's "pid pgid starttime boot_id sigign sigblk sigreset", one file) and proto ("3
# TIER created cookie umask timeout grace stdin"). NAME: pid pgid starttime boot_id signals
# (three words), created cookie stdin. Fails when the job has no such record (yet).
sk_rec() {
    case $1 in
        created | cookie | stdin)
            # Layout 2's file; a layout-3 directory has none, its proto holds the value.
            if [ -e "$SK_DIR/$1" ] || [ -L "$SK_DIR/$1" ] || ! sk_regular "$SK_DIR/proto"; then
                sk_small "$SK_DIR/$1"
                return
            fi
            # shellcheck disable=SC2046
            set -- "$1" $(sk_small "$SK_DIR/proto")
            [ "${2:-}" = 3 ] && [ $# -eq 9 ] || return 1
            case $1 in
                created) printf '%s\n' "$4" ;;
                cookie) printf '%s\n' "$5" ;;
                *) printf '%s\n' "$9" ;;
            esac
            ;;
        *)
            if [ ! -e "$SK_DIR/ident" ] && [ ! -L "$SK_DIR/ident" ]; then
                sk_small "$SK_DIR/$1"
                return
            fi
            sk_regular "$SK_DIR/ident" || return 1
            # shellcheck disable=SC2046
            set -- "$1" $(dd if="$SK_DIR/ident" bs=256 count=1 2>/dev/null)
            [ $# -eq 8 ] || return 1
            case $1 in
                pid) printf '%s\n' "$2" ;;
                pgid) printf '%s\n' "$3" ;;
                starttime) printf '%s\n' "$4" ;;
                boot_id) printf '%s\n' "$5" ;;
                signals) printf '%s %s %s\n' "$6" "$7" "$8" ;;
                *) return 1 ;;
            esac
            ;;
    esac
}

# sk_started: the job has recorded its identity (layout 2's starttime, written last, or layout 3's
# ident, written whole).
sk_started() {
    [ -f "$SK_DIR/starttime" ] || [ -f "$SK_DIR/ident" ]
}

# sk_tampered: true when a file of $SK_DIR exists but is not a regular file (or helpers is not a
# plain directory); SK_TAMPERED names it.
sk_tampered() {
    for SK_TAMPERED in proto pid pgid starttime boot_id ident created cookie wrapper cmd log out err exit exit.slot stdin in in.eof uploader; do
        if [ -e "$SK_DIR/$SK_TAMPERED" ] || [ -L "$SK_DIR/$SK_TAMPERED" ]; then
            sk_regular "$SK_DIR/$SK_TAMPERED" || return 0
        fi
    done
    SK_TAMPERED=helpers
    if [ -e "$SK_DIR/helpers" ] || [ -L "$SK_DIR/helpers" ]; then
        [ -d "$SK_DIR/helpers" ] && [ ! -L "$SK_DIR/helpers" ] || return 0
    fi
    SK_TAMPERED=
    return 1
}

# sk_proc PID: fills SK_STATE SK_PPID SK_PGRP SK_SID SK_START SK_RAW from /proc/PID/stat.
# The command name may hold spaces and parentheses, so fields are split after the last ") ".
sk_proc() {
    sk_isnum "$1" || return 1
    [ "$1" -gt 1 ] || return 1
    # One line from the kernel, read without a fork (pollers call this often); a command name
    # holding a newline cuts that line short, and then cat reads it whole.
    IFS= read -r _l 2>/dev/null <"/proc/$1/stat" || _l=
    case $_l in *') '*) ;; *) _l=$(cat "/proc/$1/stat" 2>/dev/null) || return 1 ;; esac
    case $_l in *') '*) ;; *) return 1 ;; esac
    # shellcheck disable=SC2086
    set -- ${_l##*') '}
    SK_STATE=$1 SK_PPID=$2 SK_PGRP=$3 SK_SID=$4 SK_START=${20} SK_RAW=${50}
    return 0
}

sk_boot_id() {
    cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo none
}
# sk-lazy-end

sk_base() {
    [ -n "${HOME:-}" ] || [ -n "${XDG_STATE_HOME:-}" ] || sk_fail no-home
    SK_BASE=${XDG_STATE_HOME:-$HOME/.local/state}/sessionkeeper/jobs
}

sk_check_id() {
    case $1 in '' | *[!a-z0-9-]* | -*) sk_fail bad-id ;; esac
}

# sk-lazy-begin
# The job directory must be a real directory owned by us: never follow a planted symlink.
sk_owned() {
    [ -d "$1" ] && [ ! -L "$1" ] || return 1
    # shellcheck disable=SC2046
    set -- $(ls -ldn "$1" 2>/dev/null)
    [ "${3:-x}" = "$(id -u)" ]
}

sk_jobdir() {
    sk_base
    sk_check_id "$1"
    SK_DIR=$SK_BASE/$1
    [ -e "$SK_DIR" ] || [ -L "$SK_DIR" ] || sk_fail no-such-job
    sk_owned "$SK_DIR" || sk_fail foreign-owner
}

# For the verbs that read the job's files: a tampered job directory is refused, not read.
sk_untampered() {
    sk_tampered && sk_fail "tampered-$SK_TAMPERED"
    return 0
}

sk_put() {
    rm -f "$1.tmp.$$" && printf '%s\n' "$2" >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}

# A tiny sleep where the system has fractional sleep (GNU, BusyBox), one second otherwise.
sk_nap() {
    sleep "$1" 2>/dev/null || sleep 1
}

# sk_wrapper_alive: true when the process the wrapper file names is alive with its recorded start
# time and is this directory's wrapper (its command line runs $SK_DIR/wrapper.sh or
# $SK_DIR/keeper.pl on $SK_DIR), so a wrapper file forged to name another process proves nothing.
# Sets SK_WPID, and SK_WTIER to sh or perl. The command line costs a fork: it is read once per
# wrapper and call, pollers then only compare the start time.
sk_wrapper_alive() {
    # shellcheck disable=SC2046
    set -- $(sk_small "$SK_DIR/wrapper")
    [ $# -eq 2 ] || return 1
    _ws=$2
    sk_proc "$1" || return 1
    [ "$SK_START" = "$_ws" ] && [ "$SK_STATE" != Z ] || return 1
    SK_WPID=$1
    [ "${SK_WOK:-}" = "$SK_DIR $1 $_ws" ] && return 0
    _cl=$(tr '\000' '\n' <"/proc/$1/cmdline" 2>/dev/null) || return 1
    _cl=${_cl#*"
"}
    case $_cl in
        "$SK_DIR/wrapper.sh
$SK_DIR
"*) _wt=sh ;;
        "$SK_DIR/keeper.pl
$SK_DIR
"*) _wt=perl ;;
        *) return 1 ;;
    esac
    # Still the process whose start time was checked: its pid was not reused meanwhile.
    sk_proc "$1" && [ "$SK_START" = "$_ws" ] || return 1
    SK_WOK="$SK_DIR $1 $_ws" SK_WTIER=$_wt
}

# sk_wrapper_parent PPID: PPID, the parent of a process the pid file names, is where the live
# wrapper (sk_wrapper_alive just succeeded) starts its job: the wrapper itself (keeper.pl reaps
# the job) or the keeper it started (wrapper.sh's never-reaping sleep).
sk_wrapper_parent() {
    if [ "$SK_WTIER" = perl ]; then
        [ "$1" = "$SK_WPID" ]
    else
        _wp=$SK_WPID
        sk_proc "$1" && [ "$SK_PPID" = "$_wp" ]
    fi
}

# sk_has_cookie PID: PID's environment carries the cookie of the cookie file. That file may be
# forged too: then only a process that really carries the forged value matches, and such a process
# cannot be told from the job by anything left once the wrapper is gone; it is accepted as the job.
sk_has_cookie() {
    _c=$(sk_rec cookie)
    [ -n "$_c" ] || return 1
    tr '\000' '\n' <"/proc/$1/environ" 2>/dev/null | grep -qxF "SESSIONKEEPER_JOB_COOKIE=$_c"
}

# sk_ours PID: PID (alive, not a zombie) is this job, proven from live /proc state and never from
# the identity files: pid, pgid, starttime, boot_id and cookie can all be rewritten to name another
# process of the user. While the wrapper lives only lineage counts: the job is the wrapper's
# grandchild, started by the keeper (a never-reaping sleep) that wrapper.sh started, or keeper.pl's
# child. Once the wrapper is gone the job's own environment must carry the cookie.
sk_ours() {
    sk_adopted && {
        sk_adopted_ours "$1"
        return
    }
    sk_proc "$1" || return 1
    _pp=$SK_PPID _js=$SK_START
    if sk_wrapper_alive; then
        sk_wrapper_parent "$_pp" || return 1
    else
        sk_has_cookie "$1" || return 1
    fi
    # Leave SK_* describing PID, as callers expect; the same process, not a reused pid.
    sk_proc "$1" && [ "$SK_STATE" != Z ] && [ "$SK_START" = "$_js" ] && [ "$SK_PPID" = "$_pp" ]
}

# sk_job_alive: the process the pid file names is alive and is this job (sk_ours). The starttime
# file is not consulted: a reused pid fails the proof, and a forged start time changes nothing.
sk_job_alive() {
    sk_ours "$(sk_rec pid)"
}

# sk_valid_exit v1 KIND CODE SIGNAL TIMEDOUT ENDED [nospace]: a record the wrapper could have
# written. Numbers are canonical decimals of bounded length, codes 0-255, signals 1-64, and kind,
# code and signal agree: "killed 0 999" or "exited 300" are forgeries, not exit statuses.
sk_valid_exit() {
    [ "$1" = v1 ] || return 1
    [ $# -eq 6 ] || { [ $# -eq 7 ] && [ "$7" = nospace ]; } || return 1
    for _v in "$3" "$4"; do
        case $_v in 0 | [1-9] | [1-9][0-9] | [1-9][0-9][0-9]) ;; *) return 1 ;; esac
    done
    case $5 in 0 | 1) ;; *) return 1 ;; esac
    case $6 in '' | *[!0-9]* | 0?* | ????????????*) return 1 ;; esac
    case $2 in
        exited) [ "$3" -le 255 ] && [ "$4" -eq 0 ] ;;
        killed) [ "$4" -ge 1 ] && [ "$4" -le 64 ] && [ "$3" -eq $((128 + $4)) ] ;;
        unknown) [ "$3" -eq 0 ] && [ "$4" -eq 0 ] ;;
        *) return 1 ;;
    esac
}

# sk_exit_record: sets SK_EXIT to the validated exit line, or fails; SK_EXIT_BAD=1 when a record
# is there but is not one the wrapper could have written.
sk_exit_record() {
    SK_EXIT_BAD=0
    # The stream helper asks on every poll: no fork while there is no record yet.
    if [ -e "$SK_DIR/exit" ] || [ -L "$SK_DIR/exit" ]; then
        SK_EXIT=$(sk_small "$SK_DIR/exit") || SK_EXIT=
    else
        # The wrapper renames its slot to exit; a slot it filled but could not rename still counts.
        sk_regular "$SK_DIR/exit.slot" || return 1
        IFS= read -r SK_EXIT <"$SK_DIR/exit.slot" 2>/dev/null || return 1
        case $SK_EXIT in 'v1 '*) ;; *) return 1 ;; esac
    fi
    # shellcheck disable=SC2086
    set -- $SK_EXIT
    if ! sk_valid_exit "$@"; then
        SK_EXIT_BAD=1
        return 1
    fi
    _ns=
    [ "${7:-}" = nospace ] && _ns=" nospace=1"
    if [ "$2" = unknown ]; then
        SK_EXIT="state=lost reason=exit-status-unknown ended=$6$_ns"
    else
        SK_EXIT="state=$2 code=$3 signal=$4 timedout=$5 ended=$6$_ns"
    fi
}

# sk_state: derives the state of $SK_DIR's job. Sets SK_LINE (the key=value report).
sk_state() {
    if sk_adopted; then
        sk_adopted_state
        return
    fi
    if sk_exit_record; then
        SK_LINE=$SK_EXIT
        return
    fi
    if [ "$SK_EXIT_BAD" = 1 ] || [ -e "$SK_DIR/exit" ] || [ -L "$SK_DIR/exit" ]; then
        # The wrapper may have put it in place (atomically) between that read and this test.
        if sk_exit_record; then
            SK_LINE=$SK_EXIT
            return
        fi
        SK_LINE="state=lost reason=malformed-exit-record"
        return
    fi
    # A job proven alive (sk_ours) is running whatever its boot_id file says: that file may be
    # forged, and a process from before a reboot cannot pass the proof.
    if sk_started && sk_job_alive; then
        SK_LINE="state=running"
        return
    fi
    # A live wrapper of this directory (its command line checked) dates from this boot.
    _b=$(sk_rec boot_id)
    if [ -n "$_b" ] && [ "$_b" != "$(sk_boot_id)" ] && ! sk_wrapper_alive; then
        SK_LINE="state=lost reason=rebooted"
        return
    fi
    if ! sk_started; then
        if sk_wrapper_alive; then
            SK_LINE="state=starting"
        elif [ -d "$SK_DIR/start.lock" ]; then
            SK_LINE="state=lost reason=never-started"
        else
            SK_LINE="state=lost reason=launch-incomplete"
        fi
        return
    fi
    # The job is gone, or the pid file names a process that is not the job. Its wrapper records
    # the exit status within a poll interval: give it a moment, but only while it is still alive.
    _n=0
    while [ $_n -lt 40 ] && sk_wrapper_alive; do
        sk_exit_record && {
            SK_LINE=$SK_EXIT
            return
        }
        sk_nap 0.05
        _n=$((_n + 1))
    done
    if sk_exit_record; then
        SK_LINE=$SK_EXIT
    elif ! sk_wrapper_alive; then
        SK_LINE="state=lost reason=wrapper-gone"
    elif sk_job_ended; then
        # Its end is known to the kernel, not yet to the record: the wrapper (stopped, or starved
        # of CPU) will still write it. Not final, so nobody records the job as lost meanwhile.
        SK_LINE="state=ending"
    else
        SK_LINE="state=lost reason=identity-mismatch"
    fi
}

# sk_job_ended: the pid file names this job's zombie: it has ended and nobody has read its wait
# status yet. Proven by lineage as sk_ours does while the wrapper lives (a zombie's environment
# cannot be read): the zombie's parent is the keeper, a child of the live wrapper (or keeper.pl
# itself), and its start time is the one the job recorded. A zombie's pid is not reused while it
# is unreaped.
sk_job_ended() {
    _ep=$(sk_rec pid) _es=$(sk_rec starttime)
    sk_isnum "$_es" || return 1
    sk_proc "$_ep" && [ "$SK_STATE" = Z ] && [ "$SK_START" = "$_es" ] || return 1
    _ek=$SK_PPID
    sk_wrapper_alive || return 1
    sk_wrapper_parent "$_ek"
}

sk_hex() {
    sk_regular "$1" || return 0
    dd if="$1" bs=160 count=1 2>/dev/null | od -An -tx1 -v | tr -d ' \n'
}

# sk_field NAME RECORD PATTERN: "NAME=value" when the record (sk_rec) is one line matching the case PATTERN
# class check below, "NAME=" otherwise. A state file is never echoed as it is: its text could hold
# spaces or "key=value" words that would be read as fields of the reply.
sk_field() {
    _v=$(sk_rec "$2") || _v=
    case $3 in
        num) case $_v in '' | *[!0-9]* | ?????????????????????*) _v= ;; esac ;;
        *) case $_v in '' | *[!0-9a-f-]* | ?????????????????????????????????????????????????*) _v= ;; esac ;;
    esac
    printf '%s=%s' "$1" "$_v"
}

sk_ident_fields() {
    printf '%s %s %s %s %s' "$(sk_field pid pid num)" "$(sk_field pgid pgid num)" \
        "$(sk_field start starttime num)" "$(sk_field boot boot_id hex)" "$(sk_field created created num)"
    # shellcheck disable=SC2046
    set -- $(sk_rec signals)
    [ $# -eq 3 ] || return 0
    case $1$2 in *[!0-9a-f-]* | ???????????????????????????????????*) return 0 ;; esac
    case $3 in '' | *[!A-Za-z0-9-]* | ?????????????????*) return 0 ;; esac
    printf ' sigign=%s sigblk=%s sigreset=%s' "$1" "$2" "$3"
}

# sk_layout: sets SK_LAYOUT to the layout of $SK_DIR. A layout-2 launch writes proto before its
# start.lock and files; without proto, a log or a start.lock is wave 1's (layout 1); with neither,
# the launch was cut right after its mkdir and is completed as layout 2. Returns 1 when proto is not a
# regular file (tampered), 2 when it names a later layout (a newer client started the job).
sk_layout() {
    SK_LAYOUT=2 SK_PROTO=
    if [ -e "$SK_DIR/proto" ] || [ -L "$SK_DIR/proto" ]; then
        # shellcheck disable=SC2046
        set -- $(sk_small "$SK_DIR/proto")
        case ${1:-} in
            2 | 3)
                SK_PROTO=$1
                return 0
                ;;
            [4-9] | [1-9][0-9]) return 2 ;;
            *) return 1 ;;
        esac
    fi
    [ -e "$SK_DIR/log" ] || [ -L "$SK_DIR/log" ] || [ -d "$SK_DIR/start.lock" ] && SK_LAYOUT=1
    return 0
}

# For the verbs that read one job's files: a layout this runner cannot read is refused.
sk_known_layout() {
    sk_layout
    case $? in
        1) sk_fail tampered-proto ;;
        2) sk_fail newer-layout ;;
    esac
}

# sk_wc2 NAME1 NAME2: sets _w1 and _w2 to the sizes of $SK_DIR/NAME1 and $SK_DIR/NAME2 with one
# wc (the stream helper asks on every poll). The names are relative to the job directory, so a
# home directory with spaces cannot split wc's output. Fails when either file cannot be read.
sk_wc2() {
    _w=$(cd "$SK_DIR" && wc -c "$1" "$2" 2>/dev/null) || return 1
    # shellcheck disable=SC2086
    set -- $_w
    sk_isnum "${1:-}" && sk_isnum "${3:-}" || return 1
    _w1=$1 _w2=$3
}

# sk_sizes_field: "layout=L out=N err=N", the output's sizes (layout 1: out is the one log).
sk_sizes_field() {
    if [ "$SK_LAYOUT" = 1 ]; then
        _w1=$(wc -c <"$SK_DIR/log" 2>/dev/null) || _w1=0
        _w2=0
    elif ! sk_wc2 out err; then
        _w1=$(wc -c <"$SK_DIR/out" 2>/dev/null) || _w1=0
        _w2=$(wc -c <"$SK_DIR/err" 2>/dev/null) || _w2=0
    fi
    printf 'layout=%s out=%s err=%s' "$SK_LAYOUT" "${_w1:-0}" "${_w2:-0}"
}

sk_report() {
    if sk_tampered; then
        # Only ps gets here (the other verbs refuse the job): name the job, read nothing more of it.
        sk_reply "status id=$1 state=lost reason=tampered-$SK_TAMPERED out=0 err=0 cmd="
        return
    fi
    sk_layout
    case $? in
        1)
            sk_reply "status id=$1 state=lost reason=tampered-proto out=0 err=0 cmd="
            return
            ;;
        2)
            sk_reply "status id=$1 state=lost reason=newer-layout out=0 err=0 cmd="
            return
            ;;
    esac
    sk_state
    sk_reply "status id=$1 $SK_LINE $(sk_ident_fields) $(sk_sizes_field)$(sk_stdin_field) cmd=$(sk_hex "$SK_DIR/cmd")"
}

# sk_stdin_field: " stdin=spool in=N ineof=N|-" for a job given a stdin spool, nothing otherwise.
sk_stdin_field() {
    # Only a job launched with a spool has in: every other status costs no exec here.
    sk_regular "$SK_DIR/in" || return 0
    _i=$(wc -c <"$SK_DIR/in" 2>/dev/null) || return 0
    _e=$(sk_small "$SK_DIR/in.eof")
    sk_isnum "$_e" || _e=-
    printf ' stdin=spool in=%s ineof=%s' "$_i" "$_e"
}

# sk_fast_wrapper: the launch starts keeper.pl (sent as SK_KEEPER) rather than wrapper.sh: perl
# exists and the request does not say SK_TIER=posix.
sk_fast_wrapper() {
    [ "${SK_TIER:-}" != posix ] && [ -n "${SK_KEEPER:-}" ] || return 1
    # Test hook: a target without perl.
    [ "${SK_FAULT:-}" = remote-no-perl ] && return 1
    command -v perl >/dev/null 2>&1
}

sk_start_wrapper() {
    # The signals the job gets back at their default: asynchronous lists start with SIGINT and
    # SIGQUIT ignored, and bash and BusyBox ash reading a script on stdin ignore SIGQUIT
    # themselves, so the runner's own dispositions say nothing about the login's.
    SK_RESET=INT,QUIT
    if command -v setsid >/dev/null 2>&1; then
        setsid "$SK_INTERP" "$SK_DIR/wrapper.sh" "$SK_DIR" "$SK_INTERP" "$SK_LOGIN_PATH" "$SK_RESET" </dev/null >>"$SK_DIR/wrapper.err" 2>&1 &
    elif command -v perl >/dev/null 2>&1; then
        perl -e 'use POSIX (); POSIX::setsid(); exec @ARGV or die' \
            "$SK_INTERP" "$SK_DIR/wrapper.sh" "$SK_DIR" "$SK_INTERP" "$SK_LOGIN_PATH" "$SK_RESET" </dev/null >>"$SK_DIR/wrapper.err" 2>&1 &
    else
        return 1
    fi
}
# sk-lazy-end

# systemd-logind with KillUserProcesses=yes kills everything of a user at their last logout,
# setsid or not, unless lingering is on: the client warns about it. Lingering is logind's file
# /var/lib/systemd/linger/USER, looked at directly. KillUserProcesses is logind's own setting,
# asked over D-Bus (busctl, an exec and a round trip through logind) once per boot and logind
# configuration: the answer is kept in the state directory's logind file ("BOOT_ID yes|no") and
# asked again after a reboot, or once a logind.conf file or drop-in directory is newer than it.
# A configuration changed before an answer was kept and only then reloaded into logind is seen at
# the next change or reboot: the warning is advice, the job is the same either way.
# SESSIONKEEPER_SYSTEMD_ROOT and SESSIONKEEPER_BUSCTL are test hooks (a fake root and busctl).
sk_logind_kills() {
    _lgsr=${SESSIONKEEPER_SYSTEMD_ROOT:-}
    # logind runs only where systemd is the init: elsewhere (containers, BusyBox) nothing to ask.
    [ -d "$_lgsr/run/systemd/system" ] || return 1
    _lgu=${LOGNAME:-${USER:-}}
    [ -n "$_lgu" ] || _lgu=$(id -un)
    [ -e "$_lgsr/var/lib/systemd/linger/$_lgu" ] && return 1
    # Kept only where the call knows its state directory (sk_base ran).
    _lgkf= _lgk= _lgkb=
    [ -n "${SK_BASE:-}" ] && _lgkf=${SK_BASE%/jobs}/logind
    read -r _lgboot </proc/sys/kernel/random/boot_id || _lgboot=none
    if [ -n "$_lgkf" ] && [ -f "$_lgkf" ] && [ ! -L "$_lgkf" ] && read -r _lgkb _lgk <"$_lgkf" && [ "$_lgkb" = "$_lgboot" ]; then
        for _lgf in "$_lgsr"/etc/systemd/logind.conf "$_lgsr"/etc/systemd/logind.conf.d "$_lgsr"/etc/systemd/logind.conf.d/* \
            "$_lgsr"/run/systemd/logind.conf.d "$_lgsr"/run/systemd/logind.conf.d/* \
            "$_lgsr"/usr/local/lib/systemd/logind.conf.d "$_lgsr"/usr/local/lib/systemd/logind.conf.d/* \
            "$_lgsr"/usr/lib/systemd/logind.conf.d "$_lgsr"/usr/lib/systemd/logind.conf.d/* \
            "$_lgsr"/lib/systemd/logind.conf.d "$_lgsr"/lib/systemd/logind.conf.d/*; do
            [ -e "$_lgf" ] || continue
            [ "$_lgkf" -nt "$_lgf" ] || _lgk=
        done
    else
        _lgk=
    fi
    case $_lgk in
        yes | no) ;;
        *)
            _lgbc=${SESSIONKEEPER_BUSCTL:-busctl}
            command -v "$_lgbc" >/dev/null 2>&1 || return 1
            _lgk=$("$_lgbc" get-property org.freedesktop.login1 /org/freedesktop/login1 \
                org.freedesktop.login1.Manager KillUserProcesses 2>/dev/null) || return 1
            case $_lgk in "b true") _lgk=yes ;; *) _lgk=no ;; esac
            # Private, as everything in the state directory (the run verb's sh has not set its umask yet).
            [ -n "$_lgkf" ] && [ -d "${SK_BASE%/jobs}" ] && (umask 077 && printf '%s %s\n' "$_lgboot" "$_lgk" >"$_lgkf") 2>/dev/null
            ;;
    esac
    [ "$_lgk" = yes ]
}

# sk-lazy-begin
sk_launch() {
    sk_base
    sk_check_id "$SK_ID"
    [ -d "$SK_BASE" ] || mkdir -p "$SK_BASE" || sk_fail cannot-create-base
    SK_DIR=$SK_BASE/$SK_ID
    if mkdir "$SK_DIR" 2>/dev/null; then
        SK_FRESH=1
        # Test hook: stop as a crash would, with the directory made and nothing started.
        [ "${SK_FAULT:-}" = remote-after-mkdir ] && exit 0
    else
        SK_FRESH=0
        sk_owned "$SK_DIR" || sk_fail foreign-owner
        _c=$(sk_rec cookie)
        [ -z "$_c" ] || [ "$_c" = "$SK_COOKIE" ] || sk_fail id-exists
    fi
    if [ -n "$SK_CWD" ] && [ ! -d "$SK_CWD" ]; then
        # Nothing started: remove the directory only if this call created it.
        [ "$SK_FRESH" = 1 ] && rmdir "$SK_DIR"
        sk_fail bad-cwd
    fi
    # The layout, recorded before anything else of the job: a directory with neither proto nor
    # start.lock (a launch cut right after its mkdir) is completed as layout 2; one of layout 1
    # has its start.lock, so nothing below starts it.
    sk_known_layout
    _tier=sh
    sk_fast_wrapper && _tier=perl
    [ "$SK_LAYOUT" = 2 ] && [ ! -e "$SK_DIR/proto" ] && printf '2 %s\n' "$_tier" >"$SK_DIR/proto"
    SK_STARTED=
    if mkdir "$SK_DIR/start.lock" 2>/dev/null; then
        # A layout-3 launch cut before its start.lock: this call completes it as layout 2.
        [ "$SK_PROTO" = 3 ] && printf '2 %s\n' "$_tier" >"$SK_DIR/proto"
        printf '%s' "$SK_CMD" >"$SK_DIR/cmd"
        printf '%s' "$SK_CWD" >"$SK_DIR/cwd"
        printf '%s' "$SK_ENVTXT" >"$SK_DIR/env"
        printf '%s' "$SK_SHELL" >"$SK_DIR/shell"
        printf '%s\n' "$SK_USER_UMASK" >"$SK_DIR/umask"
        printf '%s\n' "$SK_TIMEOUT $SK_GRACE" >"$SK_DIR/limits"
        # stdin: the spool exists before the wrapper starts, so its feeder never waits for it.
        if [ "${SK_STDIN:-null}" = spool ]; then
            : >>"$SK_DIR/in"
            printf 'spool\n' >"$SK_DIR/stdin"
        else
            printf 'null\n' >"$SK_DIR/stdin"
        fi
        : >>"$SK_DIR/out"
        : >>"$SK_DIR/err"
        # The exit record's room, taken now: a disk that fills up while the job runs cannot keep
        # the wrapper from recording the exit status (it overwrites this file in place).
        printf '%63s\n' '' >"$SK_DIR/exit.slot"
        if [ $_tier = perl ]; then
            # keeper.pl writes created, helpers and cookie, starts the wrapper and, once the job
            # runs, prints its status line: no other process is started for the launch. Nothing
            # printed means nothing started (a perl that cannot compile it): the sh wrapper runs.
            printf '%s' "$SK_KEEPER" >"$SK_DIR/keeper.pl"
            _r=$(SK_LAUNCH_COOKIE=$SK_COOKIE perl "$SK_DIR/keeper.pl" "$SK_DIR" "$SK_ID" "$SK_LOGIN_PATH" INT,QUIT \
                </dev/null 2>>"$SK_DIR/wrapper.err")
            case $_r in
                started*)
                    SK_STARTED=${_r#started}
                    SK_STARTED=${SK_STARTED#?}
                    ;;
                error*) sk_fail no-setsid ;;
                *)
                    # Nothing started: the sh wrapper runs, and proto says so.
                    _tier=sh
                    [ "$SK_LAYOUT" = 2 ] && printf '2 sh\n' >"$SK_DIR/proto"
                    ;;
            esac
        fi
        [ $_tier = sh ] && sk_start_sh
        [ "${SK_FAULT:-}" = remote-after-start ] && exit 0
    fi
    sk_launched
}

# sk_serve: the resident launcher of a daemon's pooled connection (keeper.pl's serve mode, sent as
# SK_KEEPER): this call's sh becomes one perl process that reads launch requests on the channel's
# stdin until it closes or SK_TTL seconds pass without one, and does each as the run verb's launch
# does (see keeper.pl). Without perl, "serve none": the daemon launches over exec channels.
sk_serve() {
    sk_fast_wrapper || {
        sk_reply "serve none"
        return
    }
    _warn=
    sk_logind_kills && _warn=" warn=logind-kill-user-processes"
    exec perl -e "$SK_KEEPER" serve "$SK_LOGIN_PATH" "$SK_USER_UMASK" "$_warn" "${SK_TTL:-300}"
}

# sk_start_sh: the POSIX tier's wrapper (wrapper.sh) starts the job of SK_DIR, whose request files
# are written.
sk_start_sh() {
    printf '%s' "$SK_WRAPPER" >"$SK_DIR/wrapper.sh"
    date +%s >"$SK_DIR/created"
    mkdir -p "$SK_DIR/helpers"
    sk_put "$SK_DIR/cookie" "$SK_COOKIE"
    # The wrapper gets a pipe on fd 3 that the job's prelude closes once the job's identity
    # is recorded (the wrapper and its keeper close their copies before that, and every
    # holder's end closes it too): reading it to its end waits for the start without a poll.
    _r=$(sk_start_wrapper 3>&1) || sk_fail no-setsid
}

# sk_launched: the launch's replies: launched, and the job's status (SK_STARTED when keeper.pl sent
# it, else read once the job has recorded its identity or its end).
sk_launched() {
    if [ -n "$SK_STARTED" ]; then
        _warn=
        sk_logind_kills && _warn=" warn=logind-kill-user-processes"
        sk_reply "launched id=$SK_ID fresh=$SK_FRESH$_warn"
        sk_reply "$SK_STARTED"
        return
    fi
    # Confirm the start: the job writes its identity itself, or the wrapper records an early exit.
    # After a fresh start this loop finds either at once; a retried launch may have to wait.
    _n=0
    while [ $_n -lt 300 ]; do
        sk_started || [ -f "$SK_DIR/exit" ] && break
        [ $_n -gt 20 ] && ! sk_wrapper_alive && [ -f "$SK_DIR/wrapper" ] && break
        sk_nap 0.02
        _n=$((_n + 1))
    done
    _warn=
    sk_logind_kills && _warn=" warn=logind-kill-user-processes"
    sk_reply "launched id=$SK_ID fresh=$SK_FRESH$_warn"
    sk_report "$SK_ID"
}

sk_status() {
    sk_jobdir "$SK_ID"
    sk_untampered
    sk_known_layout
    sk_report "$SK_ID"
}

sk_list() {
    sk_base
    [ -d "$SK_BASE" ] || return 0
    for SK_DIR in "$SK_BASE"/*; do
        [ -d "$SK_DIR" ] || continue
        _id=${SK_DIR##*/}
        case $_id in '' | *[!a-z0-9-]* | -*) continue ;; esac
        sk_owned "$SK_DIR" || continue
        sk_report "$_id"
    done
}

# A process of the job's group still carries the job's cookie: the group is ours to signal.
sk_group_has_job() {
    for _st in /proc/[0-9]*/stat; do
        _pp=${_st%/stat}
        sk_proc "${_pp#/proc/}" || continue
        [ "$SK_PGRP" = "$1" ] && [ "$SK_STATE" != Z ] || continue
        sk_has_cookie "${_pp#/proc/}" && return 0
    done
    return 1
}

# sk_target_group: the process group this job's signals may go to, decided from live /proc state,
# never from the identity files alone (see sk_ours). The job leads its own session, so its group
# is its own pid: the process the pid file names must be the job, in group = session = pid, and
# the pgid file must say the same. Once the leader is gone its group lives on while a member does
# (the kernel reuses no pid that names a live group), and a member must carry the job's cookie;
# for the same reason a live process at that pid that is not the job means no group of the job
# has that number.
# Sets SK_TG; returns 0 to signal, 1 when nothing of the job is alive, 2 when the recorded and
# the live identity disagree (then nothing may be signalled).
sk_target_group() {
    SK_TG=
    if sk_adopted; then
        sk_adopted_group
        return
    fi
    _tp=$(sk_rec pid) _tg=$(sk_rec pgid)
    sk_isnum "$_tp" && [ "$_tp" -gt 1 ] || return 1
    if sk_proc "$_tp" && [ "$SK_STATE" != Z ]; then
        if ! sk_ours "$_tp"; then
            # The pid file names someone else: while the wrapper lives, so does the job, elsewhere.
            sk_wrapper_alive && return 2
            return 1
        fi
        [ "$SK_PGRP" = "$_tp" ] && [ "$SK_SID" = "$_tp" ] && [ "$_tg" = "$_tp" ] || return 2
    else
        sk_group_has_job "$_tp" || return 1
        [ "$_tg" = "$_tp" ] || return 2
    fi
    SK_TG=$_tp
}

# sk_signal_group SIG: re-checks the identity, then signals the job's group; same returns.
# dash needs "--" before a negative pid, BusyBox ash takes "--" for a pid (and fails): ask once.
sk_signal_group() {
    sk_target_group || return $?
    if [ -z "${SK_KILL_DD:-}" ]; then
        SK_KILL_DD=0
        kill -s 0 -- $$ 2>/dev/null && SK_KILL_DD=1
    fi
    if [ "$SK_KILL_DD" = 1 ]; then
        kill -s "$1" -- "-$SK_TG" 2>/dev/null || return 1
    else
        kill -s "$1" "-$SK_TG" 2>/dev/null || return 1
    fi
}

# sk_not_permitted: the job is alive and ours (SK_TG set), but this user may signal no process of
# its group: they run under other ids (a setuid program that kept root's, say). Signal 0 asks the
# kernel for exactly that permission. Call after sk_signal_group failed with 1.
sk_not_permitted() {
    sk_target_group || return 1
    if [ "${SK_KILL_DD:-1}" = 1 ]; then
        ! kill -s 0 -- "-$SK_TG" 2>/dev/null
    else
        ! kill -s 0 "-$SK_TG" 2>/dev/null
    fi
}

# One signal to the job's group (kill --signal), identity checked, no escalation.
sk_send() {
    case $SK_SIGNAL in '' | *[!A-Z0-9]*) sk_fail bad-request ;; esac
    sk_signal_group "$SK_SIGNAL"
    case $? in
        0) sk_reply "kill signalled=$SK_SIGNAL" ;;
        2) sk_reply "kill signalled=none refused=identity-mismatch" ;;
        *)
            if sk_not_permitted; then
                sk_reply "kill signalled=none refused=not-permitted"
            else
                # Alive a moment ago and still alive: the shell did not know that signal.
                sk_target_group && sk_fail bad-signal
                sk_reply "kill signalled=none"
            fi
            ;;
    esac
    sk_report "$SK_ID"
}

# sk_deadline SECONDS: a deadline SECONDS from now for sk_in_time, by the kernel's uptime clock
# (hundredths of a second, read without a fork), so a loaded machine's slow polls do not stretch
# it; where /proc/uptime cannot be read, by polls, ten a second assumed.
sk_deadline() {
    SK_DL= SK_DLN=$(($1 * 10))
    sk_uptime_cs && SK_DL=$((SK_CS + $1 * 100))
}

# sk_in_time: the deadline of sk_deadline has not passed (each call counts as a poll).
sk_in_time() {
    SK_DLN=$((SK_DLN - 1))
    if [ -n "$SK_DL" ]; then
        sk_uptime_cs && [ "$SK_CS" -lt "$SK_DL" ]
    else
        [ "$SK_DLN" -ge 0 ]
    fi
}

# sk_uptime_cs: SK_CS is the time since boot in hundredths of a second; fails where it cannot be read.
sk_uptime_cs() {
    SK_CS=
    read -r _up _ </proc/uptime 2>/dev/null || return 1
    case $_up in [0-9]*.[0-9][0-9]) ;; *) return 1 ;; esac
    _up=${_up%.*}${_up#*.}
    _up=${_up#"${_up%%[!0]*}"}
    SK_CS=${_up:-0}
    sk_isnum "$SK_CS" || SK_CS=
    [ -n "$SK_CS" ]
}

# sk_group_dying GROUP: a process of GROUP is still alive (not a zombie: that one is dead and only
# waits for its parent, or init, to reap it) and this user may signal it, so the stop's last signal
# reached it and its end is under way. One the user may not signal (other ids) is not waited for:
# no signal of ours will end it.
sk_group_dying() {
    sk_isnum "$1" && [ "$1" -gt 1 ] || return 1
    for _st in /proc/[0-9]*/stat; do
        _pp=${_st%/stat}
        _pp=${_pp#/proc/}
        sk_proc "$_pp" && [ "$SK_PGRP" = "$1" ] || continue
        case $SK_STATE in Z | X | x) continue ;; esac
        kill -s 0 "$_pp" 2>/dev/null && return 0
    done
    return 1
}

# sk_stop_wait GROUP: after kill's last signal to GROUP, waits until the stop is over, so that the
# report that follows says what the stop did rather than what a moment caught: no process of GROUP
# that got the signal is alive, and the job's live wrapper (not stopped) has recorded the exit
# status, unless something of the job lives on (a leader under ids the user may not signal, or an
# identity that no longer matches: no record is coming). SIGKILL ends a process only once it runs
# again: on a loaded machine that is not at once (a report made right after the kill once called
# an adopted shell still running), and a wrapper sees its job's end at its next poll. A process in
# uninterruptible sleep (I/O on a dead NFS server) ends only when that I/O does, so the wait is
# bounded: 30 seconds (sk_deadline); the report is then true of that moment, and a job still
# alive is reported running.
sk_stop_wait() {
    sk_deadline 30
    _n=0
    while :; do
        if ! sk_group_dying "$1"; then
            sk_adopted && return 0
            sk_exit_record && return 0
            # A stopped wrapper records nothing until it is continued (status then says ending).
            sk_wrapper_alive || return 0
            case $SK_STATE in [Tt]) return 0 ;; esac
            sk_target_group
            [ $? = 1 ] || return 0
        fi
        sk_in_time || return 0
        _n=$((_n + 1))
        if [ $_n -le 20 ]; then sk_nap 0.02; else sk_nap 0.1; fi
    done
}

sk_kill() {
    sk_jobdir "$SK_ID"
    if [ -n "${SK_SIGNAL:-}" ]; then
        sk_send
        return
    fi
    sk_isnum "$SK_GRACE" || sk_fail bad-request
    sk_signal_group TERM
    case $? in
        0) _sig=TERM ;;
        2)
            sk_reply "kill signalled=none refused=identity-mismatch"
            sk_report "$SK_ID"
            return
            ;;
        *)
            if sk_not_permitted; then
                sk_reply "kill signalled=none refused=not-permitted"
            else
                sk_reply "kill signalled=none"
            fi
            sk_report "$SK_ID"
            return
            ;;
    esac
    # The grace is time, not a count of polls: each poll reads /proc, which on a loaded machine
    # takes long enough to stretch a count of them well past the grace asked for.
    _kg=$SK_TG _rc=0
    sk_deadline "$SK_GRACE"
    while sk_in_time; do
        sk_target_group || break
        sk_nap 0.1
    done
    # Re-check the identity in this same round trip before escalating.
    sk_signal_group KILL
    case $? in
        0) _sig=KILL ;;
        2) _rc=2 ;;
    esac
    sk_stop_wait "$_kg"
    if [ $_rc = 2 ]; then
        sk_reply "kill signalled=$_sig refused=identity-mismatch"
    else
        sk_reply "kill signalled=$_sig"
    fi
    sk_report "$SK_ID"
}

sk_rm() {
    sk_jobdir "$SK_ID"
    sk_state
    case $SK_LINE in
        state=running* | state=starting*) sk_fail job-running ;;
    esac
    # A lost job whose wrapper still lives is still somebody's job: keep it.
    sk_wrapper_alive && sk_fail job-running
    rm -rf -- "$SK_DIR" || sk_fail rm-failed
    sk_reply "removed id=$SK_ID"
}

# Removes finished jobs older than SK_AGE seconds; anything that may still run is kept.
sk_gc() {
    sk_base
    sk_isnum "$SK_AGE" || sk_fail bad-request
    [ -d "$SK_BASE" ] || return 0
    _now=$(date +%s)
    for SK_DIR in "$SK_BASE"/*; do
        [ -d "$SK_DIR" ] || continue
        _id=${SK_DIR##*/}
        case $_id in '' | *[!a-z0-9-]* | -*) continue ;; esac
        sk_owned "$SK_DIR" || continue
        sk_state
        case $SK_LINE in
            state=running* | state=starting*) continue ;;
        esac
        sk_wrapper_alive && continue
        # shellcheck disable=SC2086
        set -- $SK_LINE
        _when=$(sk_rec created)
        for _f in "$@"; do
            case $_f in ended=*) _when=${_f#ended=} ;; esac
        done
        sk_isnum "$_when" || continue
        [ $((_now - _when)) -ge "$SK_AGE" ] || continue
        rm -rf -- "$SK_DIR" && sk_reply "removed id=$_id"
    done
}
# sk-lazy-end

# The live stream of a job's output. Frames "@@SKD S offset len" + bytes + "@@SKE", where the
# token S names the stream: o (stdout) and e (stderr) in layout 2, l (the one log) in layout 1;
# heartbeats "@@SKH O E" with what was sent of each; then done, more or caught with the layout
# and both offsets.
# One credit covers both streams, on the sum of their offsets: it starts at the offsets' sum +
# SK_MAX, and with SK_CREDIT=1 the client raises it by writing "@@SKC sum" lines on stdin, so one
# helper streams any amount in bounded memory; otherwise (or once stdin ends) the helper stops at
# the credit with "more". Each tick sends stdout's new bytes before stderr's.
#
# The streams: slot a (token _ta, file _fa, offset _oa, size _sa, known _ka) is stdout or the
# log; slot b is stderr, empty (_fb=) in layout 1.
sk_slots() {
    SK_KNOWN=${SK_KNOWN:-0} SK_KNOWN_E=${SK_KNOWN_E:-0} SK_KNOWN_L=${SK_KNOWN_L:-0}
    SK_OFFSET_E=${SK_OFFSET_E:-0} SK_OFFSET_L=${SK_OFFSET_L:-0}
    for _v in "$SK_OFFSET" "$SK_OFFSET_E" "$SK_OFFSET_L" "$SK_KNOWN" "$SK_KNOWN_E" "$SK_KNOWN_L"; do
        sk_isnum "$_v" || sk_fail bad-request
    done
    if [ "$SK_LAYOUT" = 1 ]; then
        _ta=l _fa=$SK_DIR/log _oa=$SK_OFFSET_L _ka=$SK_KNOWN_L
        _tb= _fb= _ob=0 _kb=0 _sb=0
    else
        _ta=o _fa=$SK_DIR/out _oa=$SK_OFFSET _ka=$SK_KNOWN
        _tb=e _fb=$SK_DIR/err _ob=$SK_OFFSET_E _kb=$SK_KNOWN_E
    fi
}

# sk-lazy-begin
# sk_sizes: sets _sa and _sb to the files' sizes, refusing a file that is not a regular file or
# that is shorter than what a client already has (its offset, or what it received earlier).
sk_sizes() {
    sk_regular "$_fa" || sk_fail "tampered-${_fa##*/}"
    if [ -n "$_fb" ]; then
        sk_regular "$_fb" || sk_fail "tampered-${_fb##*/}"
        sk_wc2 "${_fa##*/}" "${_fb##*/}" || sk_fail no-log
        _sa=$_w1 _sb=$_w2
        [ "$_sb" -ge "$_ob" ] && [ "$_sb" -ge "$_kb" ] || sk_fail log-truncated
    else
        _sa=$(wc -c <"$_fa") || sk_fail no-log
    fi
    [ "$_sa" -ge "$_oa" ] && [ "$_sa" -ge "$_ka" ] || sk_fail log-truncated
}

# sk_frame TOKEN FILE OFFSET LEN: one frame of FILE's bytes [OFFSET, OFFSET+LEN).
sk_frame() {
    printf '@@SKD %s %s %s\n' "$1" "$3" "$4"
    tail -c +$(($3 + 1)) "$2" | head -c "$4"
    printf '@@SKE\n'
}

# sk_tail_start FILE SIZE: the offset of FILE's last SK_TAIL lines (of what it holds now).
sk_tail_start() {
    _t=$(($2 - $(tail -n "$SK_TAIL" "$1" | wc -c)))
    [ "$_t" -ge 0 ] || _t=0
    echo "$_t"
}

sk_offsets() { printf 'layout=%s o=%s e=%s' "$SK_LAYOUT" "$_oa" "$_ob"; }

# sk_send_frames: sends what the credit allows of both streams; _moved=1 when anything was sent.
sk_send_frames() {
    _moved=0
    _room=$((_credit - _oa - _ob))
    if [ "$_sa" -gt "$_oa" ] && [ "$_room" -gt 0 ]; then
        _len=$((_sa - _oa))
        [ $_len -gt 8388608 ] && _len=8388608
        [ "$_room" -lt $_len ] && _len=$_room
        sk_frame "$_ta" "$_fa" "$_oa" "$_len"
        _oa=$((_oa + _len)) _room=$((_room - _len)) _moved=1
    fi
    if [ -n "$_fb" ] && [ "$_sb" -gt "$_ob" ] && [ "$_room" -gt 0 ]; then
        _len=$((_sb - _ob))
        [ $_len -gt 8388608 ] && _len=8388608
        [ "$_room" -lt $_len ] && _len=$_room
        sk_frame "$_tb" "$_fb" "$_ob" "$_len"
        _ob=$((_ob + _len)) _moved=1
    fi
}

# sk_credit_reader FILE: copies the client's "@@SKC sum" lines from stdin into FILE (atomically),
# and "eof" when stdin ends. Runs in the background: POSIX sh cannot poll stdin without blocking.
sk_credit_reader() {
    while IFS= read -r _l; do
        _v=${_l#@@SKC }
        [ "$_v" != "$_l" ] && sk_isnum "$_v" || continue
        rm -f "$1.t" && printf '%s\n' "$_v" >"$1.t" && mv -f "$1.t" "$1"
    done
    rm -f "$1.t" && printf 'eof\n' >"$1.t" && mv -f "$1.t" "$1"
}

sk_stream() {
    sk_jobdir "$SK_ID"
    sk_untampered
    sk_known_layout
    sk_follow
}
# sk-lazy-end

# The run verb: a launch whose channel becomes the job's stream (one login and one runner per
# job instead of two). The launch replies come first, as for launch; then, unless the launch was
# refused (sk_fail ends the call), the stream from the client's offsets. The directory was
# checked (or made) by the launch itself. Where perl exists, one perl process does it all
# (sk_run_fast); the runner's sh serves what it declines or leaves over.
sk_run() {
    SK_STARTED=
    if ! sk_run_fast; then
        # Sent perl-first, this sh has none of the sh path: perl hands it the whole payload.
        [ -z "${SK_FIRST:-}" ] || sk_keeper_call "$SK_FIRST_BOOT" sh
        sk_lazy
        sk_private
        sk_watchdog_late
        sk_launch
    fi
    sk_lazy
    sk_untampered
    # A launch that started the job itself knows the layout it wrote.
    [ -n "$SK_STARTED" ] || sk_known_layout
    sk_follow
}

# sk-lazy-begin
# sk_follow: the stream of the job in SK_DIR (checked by the caller) from the client's offsets.
sk_follow() {
    sk_isnum "$SK_OFFSET" && sk_isnum "$SK_MAX" && sk_isnum "$SK_HB_MS" && sk_isnum "$SK_TTL" || sk_fail bad-request
    case $SK_CLIENT in '' | *[!a-z0-9-]*) sk_fail bad-request ;; esac
    sk_slots
    sk_stream_fast && return
    sk_watchdog_late
    mkdir -p "$SK_DIR/helpers"
    # At most one helper per job and client: end the previous one, identity checked.
    # shellcheck disable=SC2046
    set -- $(sk_small "$SK_DIR/helpers/$SK_CLIENT")
    if [ $# -eq 2 ] && [ "$1" != "$$" ] && sk_proc "$1" && [ "$SK_START" = "$2" ]; then
        kill "$1" 2>/dev/null
    fi
    sk_proc $$ && sk_put "$SK_DIR/helpers/$SK_CLIENT" "$$ $SK_START"
    _quiet=0 _d=1 _beats=0 _cf=
    sk_sizes
    if sk_isnum "${SK_TAIL:-}"; then
        _oa=$(sk_tail_start "$_fa" "$_sa")
        [ -n "$_fb" ] && _ob=$(sk_tail_start "$_fb" "$_sb")
    fi
    _credit=$((_oa + _ob + SK_MAX))
    if [ "${SK_CREDIT:-0}" = 1 ]; then
        _cf=$SK_DIR/helpers/$SK_CLIENT.credit
        rm -f "$_cf"
        # An asynchronous list gets /dev/null as stdin unless it names another descriptor.
        exec 3<&0
        sk_credit_reader "$_cf" <&3 >/dev/null 2>&1 &
        _rd=$!
        exec 3<&-
        trap 'kill "$_rd" 2>/dev/null; rm -f "$_cf" "$_cf.t"; sk_bye' EXIT
        trap 'exit 0' TERM HUP PIPE
    fi
    # No exec on this path: only a job launched with a spool has the file in.
    _so=
    sk_regular "$SK_DIR/in" && ! sk_regular "$SK_DIR/in.eof" && _so=" stdin=open"
    sk_reply "stream id=$SK_ID $(sk_offsets)$_so tier=sh"
    _deadline=$(($(date +%s) + SK_TTL))
    while :; do
        if [ -n "$_cf" ]; then
            _c=
            read -r _c <"$_cf" 2>/dev/null
            if [ "$_c" = eof ]; then
                _cf=
            elif sk_isnum "$_c" && [ "$_c" -gt "$_credit" ]; then
                _credit=$_c
            fi
        fi
        if [ -z "$_cf" ] && [ $((_oa + _ob)) -ge "$_credit" ]; then
            sk_reply "more $(sk_offsets)"
            return
        fi
        sk_sizes
        sk_send_frames
        if [ $_moved = 1 ]; then
            _quiet=0 _d=1 _beats=$((_beats + 1))
            # A job that never pauses keeps this loop from its heartbeats: renew here too, well
            # before the watchdog's deadline.
            if [ $((_beats % 16)) -eq 0 ] && [ "$(date +%s)" -ge "$_deadline" ]; then
                sk_reply "more $(sk_offsets)"
                return
            fi
            continue
        fi
        # Nothing to send, or waiting for credit: only heartbeats until the client catches up.
        _all=0
        [ "$_sa" -le "$_oa" ] && [ "$_sb" -le "$_ob" ] && _all=1
        if [ $_all = 1 ]; then
            if [ "${SK_ONCE:-0}" = 1 ]; then
                sk_reply "caught $(sk_offsets)"
                return
            fi
            if sk_exit_record; then
                # The exit record is written after the job ended: one more look at the sizes.
                sk_sizes
                [ "$_sa" -gt "$_oa" ] || [ "$_sb" -gt "$_ob" ] && continue
                sk_reply "done $(sk_offsets) $SK_EXIT"
                return
            fi
        fi
        if [ $_quiet -ge "$SK_HB_MS" ]; then
            printf '@@SKH %s %s\n' "$_oa" "$_ob" || exit 0
            _quiet=0 _beats=$((_beats + 1))
            if [ "$(date +%s)" -ge "$_deadline" ]; then
                sk_reply "more $(sk_offsets)"
                return
            fi
            if [ $_all = 1 ] && ! sk_job_alive && ! sk_wrapper_alive && ! sk_exit_record; then
                sk_report "$SK_ID"
                sk_reply "done $(sk_offsets) $SK_LINE"
                return
            fi
        fi
        case $_d in
            1) sk_nap 0.01 && _quiet=$((_quiet + 10)) _d=2 ;;
            2) sk_nap 0.03 && _quiet=$((_quiet + 30)) _d=3 ;;
            3) sk_nap 0.06 && _quiet=$((_quiet + 60)) _d=4 ;;
            *) sk_nap 0.1 && _quiet=$((_quiet + 100)) ;;
        esac
    done
}

# sk_stream_fast: serves the stream with the fast tier (stream.pl, sent as SK_STREAM_TOOL) where
# perl exists, unless the request says SK_TIER=posix or the job is adopted (its end is derived in sh
# only); fails, having sent nothing, when sk_stream must serve it in sh. perl runs as a child with
# the channel on fds 0 and 1: the runner's watchdog still bounds it, and when the job turns out to
# be gone without a record, perl hands its offsets back on fd 3 for sk_report to derive the state.
sk_stream_fast() {
    [ "${SK_TIER:-}" != posix ] && [ "${SK_PERL_STREAM:-}" != no ] || return 1
    sk_adopted && return 1
    command -v perl >/dev/null 2>&1 || return 1
    # Test hook: a target without perl.
    [ "${SK_FAULT:-}" = remote-stream-no-perl ] && return 1
    _tl=
    sk_isnum "${SK_TAIL:-}" && _tl=$SK_TAIL
    # stream.pl goes exported, not as an argument, as keeper.pl does in sk_run_fast (see there);
    # without it perl exits with nothing on fd 3 and sh serves the stream.
    exec 4>&1
    _pl=$(export SK_STREAM_TOOL
        perl -e 'my $p = delete $ENV{SK_STREAM_TOOL}; exit 9 unless defined $p; eval $p; die $@' \
        "$SK_DIR" "$SK_ID" "$SK_LAYOUT" "$SK_CLIENT" "$_oa" "$_ka" "$_ob" "$_kb" \
        "$SK_MAX" "$SK_HB_MS" "$SK_TTL" "${SK_CREDIT:-0}" "${SK_ONCE:-0}" "$_tl" "${SK_WD_LATE:-}" 3>&1 1>&4 4>&-)
    _rc=$?
    exec 4>&-
    sk_stream_after
}
# sk-lazy-end

# sk_stream_after: what is left to the runner once stream.pl has ended (its words on fd 3 in _pl,
# its exit code in _rc). Fails when it never started (perl too old, a core module missing): nothing
# was sent, sh serves the stream.
sk_stream_after() {
    case $_pl in started*) ;; *) return 1 ;; esac
    # Its last reply and end were sent (0), or an error reply and its end (4), or the helper was
    # ended (by its successor, a signal or the channel's end): nothing more to say.
    [ "$_rc" = 3 ] || exit 0
    # shellcheck disable=SC2086
    set -- $_pl
    sk_isnum "${2:-}" && sk_isnum "${3:-}" || exit 0
    sk_lazy
    sk_private
    sk_watchdog_late
    _oa=$2 _ob=$3
    sk_report "$SK_ID"
    sk_reply "done $(sk_offsets) $SK_LINE"
}

# sk_keeper_call BOOT MODE: execs perl -e BOOT with keeper.pl's run-mode arguments (MODE first:
# run, or sh for sk_first's perl to hand the whole call to sh). The request's values go in the
# environment (argv is public to every user of the host); the job never sees them (keeper.pl
# deletes them first). SK_USER_UMASK is empty: perl reads the login's umask itself (see sk_main),
# then makes its files private.
sk_keeper_call() {
    SK_LAUNCH_COOKIE=$SK_COOKIE SK_LAUNCH_CMD=$SK_CMD SK_LAUNCH_CWD=$SK_CWD SK_LAUNCH_ENV=$SK_ENVTXT \
        SK_LAUNCH_SHELL=$SK_SHELL SK_LAUNCH_UMASK=$SK_USER_UMASK SK_LAUNCH_LIMITS="$SK_TIMEOUT $SK_GRACE" \
        SK_LAUNCH_STDIN=${SK_STDIN:-null} exec perl -e "$1" "$2" "$SK_BASE" "$SK_ID" "$SK_LOGIN_PATH" INT,QUIT "$_warn" \
        "$SK_WD_LATE" "$SK_DIR" "$SK_ID" 2 "$SK_CLIENT" "$_oa" "$_ka" "$_ob" "$_kb" "$SK_MAX" "$SK_HB_MS" "$SK_TTL" \
        "${SK_CREDIT:-0}" "${SK_ONCE:-0}" "$_tl" "$SK_WD_LATE"
}

# sk_first: the run verb sent perl-first (RunnerRequest.ToPayload): this sh was sent only the
# runner's functions that sk_run_fast needs and the request's small values (SK_FIRST=1), then the
# rest of the payload follows (perl's part in a here-document: front.pl, keeper.pl, stream.pl; then
# the whole payload as sent otherwise). Where perl exists this sh execs it (sk_keeper_call) with
# SK_FIRST_BOOT, which reads the rest from the channel: sk_run_fast's checks pass, perl serves the
# call as keeper.pl's run mode; they decline, or a fault hook is set, perl has sh serve the whole
# call at once (front.pl). Without perl (or SK_TIER=posix) it returns, having said nothing, and this
# sh reads on: the here-document, then the whole payload, served by sh as always. sh may have read
# up to a buffer beyond this call (dash 8 KB) before it execs perl: those bytes are lost to perl,
# so the here-document starts with 16 KB of padding and perl looks for the marker line after it.
sk_first() {
    [ "${SK_TIER:-}" != posix ] && command -v perl >/dev/null 2>&1 || return 0
    [ -z "${SK_FAULT:-}" ] || sk_keeper_call "$SK_FIRST_BOOT" sh
    sk_main
}

# sk_run_fast: the run verb served by one perl process, where perl exists: keeper.pl in its run mode
# (see there) makes the job directory and its files, starts the job, replies launched and status,
# then compiles stream.pl (SK_STREAM_TOOL) and is the stream helper; its alarm bounds the call in
# place of the watchdog. No other process is started on the target for the call: no mkdir, no
# watchdog sleep, no second perl. Fails, having done and sent nothing, when the sh path must serve
# the whole call: no perl, SK_TIER=posix, a test's fault hook, a request the stream would refuse,
# or a job directory that exists already (a retried launch). Returns 0 when the launch is done
# and sh streams (perl left that to it); ends the call when perl served it whole.
# Sent perl-first (SK_FIRST=1, see sk_first), this sh execs that perl instead of waiting for it; when
# perl leaves the rest to sh, it runs the whole payload again with perl's words and exit code in
# SK_PERL_WORDS and SK_PERL_RC, and this call goes on from them as it would from its own perl's.
sk_run_fast() {
    [ -z "${SK_FAULT:-}" ] && [ "${SK_TIER:-}" != posix ] || return 1
    sk_base
    sk_check_id "$SK_ID"
    for _v in "$SK_OFFSET" "$SK_MAX" "$SK_HB_MS" "$SK_TTL" "${SK_OFFSET_E:-0}" "${SK_OFFSET_L:-0}" \
        "${SK_KNOWN:-0}" "${SK_KNOWN_E:-0}" "${SK_KNOWN_L:-0}"; do
        sk_isnum "$_v" || return 1
    done
    case $SK_CLIENT in '' | *[!a-z0-9-]*) return 1 ;; esac
    command -v perl >/dev/null 2>&1 || return 1
    SK_DIR=$SK_BASE/$SK_ID SK_LAYOUT=2 SK_FRESH=1
    sk_slots
    _tl=
    sk_isnum "${SK_TAIL:-}" && _tl=$SK_TAIL
    _warn=
    sk_logind_kills && _warn=" warn=logind-kill-user-processes"
    [ -z "${SK_FIRST:-}" ] || sk_keeper_call "$SK_FIRST_BOOT" run
    if [ -n "${SK_PERL_RC:-}" ]; then
        _pl=$SK_PERL_WORDS _rc=$SK_PERL_RC
    else
        # keeper.pl and stream.pl (SK_KEEPER, SK_STREAM_TOOL) go exported as they are, in this
        # subshell only: dash copies a variable's value a byte at a time wherever it is expanded
        # (about 35 instructions a byte, 2 million for their 30 KB as an argument and a test of -n),
        # and not at all to export it. perl compiles keeper.pl from there; without it (a request
        # that sent none) it exits with nothing on fd 3, and the sh path serves the call, as without
        # perl.
        exec 4>&1
        _pl=$(export SK_KEEPER SK_STREAM_TOOL
            sk_keeper_call 'my $p = delete $ENV{SK_KEEPER}; exit 9 unless defined $p; eval $p; die $@' run 3>&1 1>&4 4>&-)
        _rc=$?
        exec 4>&-
    fi
    case $_pl in
        launched*)
            SK_STARTED=1
            _pl=${_pl#launched}
            _pl=${_pl#?}
            if sk_stream_after; then
                sk_reply end
                exit 0
            fi
            # stream.pl could not be compiled: sh streams, with no second try.
            sk_lazy
            sk_private
            sk_watchdog_late
            SK_PERL_STREAM=no
            return 0
            ;;
        files*)
            # The directory and the request's files are made, nothing started: the sh wrapper starts it.
            sk_lazy
            sk_private
            sk_watchdog_late
            printf '2 sh\n' >"$SK_DIR/proto"
            sk_start_sh
            ;;
        error*) sk_fail no-setsid ;;
        report*)
            sk_lazy
            sk_private
            sk_watchdog_late
            ;;
        *)
            # Declined, or perl never ran: nothing was done.
            SK_DIR=
            return 1
            ;;
    esac
    sk_launched
}

# sk-lazy-begin
# The job's stdin, uploaded into its spool (the file in, read by the wrapper's feeder). One call:
# the reply "upload id=ID in=N eof=N|- ended=0|1" says how much the spool holds; unless it is
# complete (eof) or the job has ended, the client then sends the bytes from N on and closes its
# side, cat appends them, "acked in=N" lines say what the spool holds meanwhile (with ended=1 once
# the job has ended), and "uploaded in=N eof=N|-" says what it holds at the end. With
# SK_IN_END=N the spool is complete once it holds N bytes (in.eof, by rename); with SK_IN_CLOSE=1
# it is closed at whatever it holds (its source is gone). One writer at a time: a new call ends
# the previous one (identity checked) and waits until it can write no more, so bytes of a call
# cut off long ago can never land after the size this call reports. Nothing is appended twice or
# skipped, because the client always sends from the size it is told.
sk_upload() {
    sk_jobdir "$SK_ID"
    sk_untampered
    sk_known_layout
    [ "$(sk_rec stdin)" = spool ] || sk_fail no-stdin
    sk_regular "$SK_DIR/in" || sk_fail tampered-in
    [ -z "${SK_IN_END:-}" ] || sk_isnum "$SK_IN_END" || sk_fail bad-request
    sk_end_uploader || sk_fail uploader-busy
    _i=$(wc -c <"$SK_DIR/in") || sk_fail tampered-in
    _e=$(sk_small "$SK_DIR/in.eof")
    sk_isnum "$_e" || _e=-
    if [ "$_e" = - ] && { [ "${SK_IN_CLOSE:-0}" = 1 ] || [ "${SK_IN_END:-x}" = "$_i" ]; }; then
        sk_put "$SK_DIR/in.eof" "$_i"
        _e=$_i
    fi
    _x=0
    sk_exit_record && _x=1
    if [ "$_e" != - ] || [ $_x = 1 ] || [ "${SK_IN_CLOSE:-0}" = 1 ]; then
        sk_reply "upload id=$SK_ID in=$_i eof=$_e ended=$_x"
        return
    fi
    # cat in the background with the channel as its stdin (an asynchronous list would get
    # /dev/null), registered with the call before the reply invites any byte.
    exec 3<&0
    cat <&3 >>"$SK_DIR/in" &
    _cat=$!
    exec 3<&-
    sk_proc "$_cat" && _cs=$SK_START || _cs=0
    sk_proc $$ && sk_put "$SK_DIR/uploader" "$$ $SK_START $_cat $_cs"
    sk_reply "upload id=$SK_ID in=$_i eof=- ended=0"
    # While cat runs: what the spool holds, whenever it grew (the client frees those bytes and
    # sends more), and once the job has ended, so the client stops sending what nobody will read.
    _x=
    while sk_proc "$_cat" && [ "$SK_STATE" != Z ]; do
        sk_nap 0.05
        _n=$(wc -c <"$SK_DIR/in") || break
        [ -z "$_x" ] && sk_exit_record && _x=" ended=1" && _i=-1
        if [ "$_n" != "$_i" ]; then
            sk_reply "acked in=$_n${_x}"
            _i=$_n
        fi
    done
    wait "$_cat"
    _i=$(wc -c <"$SK_DIR/in") || sk_fail tampered-in
    if [ "${SK_IN_END:-x}" = "$_i" ]; then
        sk_put "$SK_DIR/in.eof" "$_i"
        _e=$_i
    fi
    sk_reply "uploaded in=$_i eof=$_e${_x}"
}

# sk_end_uploader: the previous upload call (its sh and its cat, each checked by start time) is
# ended and gone, or a zombie: either way it holds the spool no more. Fails if it will not go
# within 30 s (sk_deadline): a killed process ends once it runs again, late on a loaded machine.
sk_end_uploader() {
    # shellcheck disable=SC2046
    set -- $(sk_small "$SK_DIR/uploader")
    [ $# -eq 4 ] || return 0
    _u=
    for _p in "$1:$2" "$3:$4"; do
        if sk_proc "${_p%%:*}" && [ "$SK_START" = "${_p#*:}" ] && [ "$SK_STATE" != Z ] && [ "${_p%%:*}" != $$ ]; then
            kill -s KILL "${_p%%:*}" 2>/dev/null
            _u="$_u $_p"
        fi
    done
    sk_deadline 30
    while [ -n "$_u" ]; do
        set -- $_u
        _u=
        for _p in "$@"; do
            sk_proc "${_p%%:*}" && [ "$SK_START" = "${_p#*:}" ] && [ "$SK_STATE" != Z ] && _u="$_u $_p"
        done
        [ -z "$_u" ] && return 0
        sk_in_time || return 1
        sk_nap 0.02
    done
    return 0
}

# ---------------------------------------------------------------------------------------------
# Adopted jobs (sessionkeeper adopt). A process started by hand in an SSH session is recorded in a
# job directory of layout 2 whose proto says "2 adopted", and protected from its terminal's hangup
# through ptrace (adopt.pl: SIGHUP ignored, terminal descriptors pointed at out, err and
# /dev/null). There is no wrapper and no exit record, ever: the process is not our child, so its
# exit status is nobody's to read. Files besides layout 2's: members ("pid starttime" of every
# process of its group when it was adopted), adopted (the protection's outcome: protected,
# partial or unprotected, then one line per member), ended (when its end was first seen).

# sk_adopted: $SK_DIR is an adopted job. Read without a fork: every state check asks.
sk_adopted() {
    sk_regular "$SK_DIR/proto" || return 1
    _ad=
    IFS= read -r _ad <"$SK_DIR/proto" 2>/dev/null
    [ "$_ad" = "2 adopted" ]
}

# sk_line1 FILE: _r1 is the first line of a regular FILE, read without a fork.
sk_line1() {
    _r1=
    sk_regular "$1" || return 1
    IFS= read -r _r1 <"$1" 2>/dev/null || [ -n "$_r1" ]
}

sk_this_boot() {
    _tb=
    IFS= read -r _tb </proc/sys/kernel/random/boot_id 2>/dev/null
    sk_line1 "$SK_DIR/boot_id" && [ -n "$_tb" ] && [ "$_r1" = "$_tb" ]
}

# sk_adopted_ours PID: PID is the adopted process: alive, not a zombie, with the start time
# recorded at adoption, in the same boot. A process we did not start carries no cookie and has no
# wrapper for a parent: the identity recorded in its directory (owned by the user, 0700) is the
# only proof there is (docs/GROUND.md).
sk_adopted_ours() {
    sk_line1 "$SK_DIR/starttime" && sk_isnum "$_r1" || return 1
    _as=$_r1
    sk_this_boot || return 1
    sk_proc "$1" && [ "$SK_STATE" != Z ] && [ "$SK_START" = "$_as" ]
}

# The protection's outcome in one word (protected, partial, unprotected).
sk_adopted_word() {
    sk_line1 "$SK_DIR/adopted" || _r1=
    # shellcheck disable=SC2086
    set -- $_r1
    case ${1:-} in protected | partial | unprotected) echo "$1" ;; *) echo unknown ;; esac
}

# Running while the adopted process lives; ended after, its exit status unknown for good.
sk_adopted_state() {
    sk_line1 "$SK_DIR/pid" || _r1=
    _aw=$(sk_adopted_word)
    if sk_adopted_ours "$_r1"; then
        SK_LINE="state=running adopted=$_aw"
        return
    fi
    [ -f "$SK_DIR/ended" ] || sk_put "$SK_DIR/ended" "$(date +%s)"
    sk_line1 "$SK_DIR/ended" && sk_isnum "$_r1" || _r1=
    SK_LINE="state=ended reason=exit-status-unknown-adopted adopted=$_aw${_r1:+ ended=$_r1}"
}

# sk_adopted_group: the group an adopted job's signals may go to (as sk_target_group returns):
# the pgid recorded at adoption, and only while a process recorded in members, with its recorded
# start time, still lives in it. 1 when none lives; 2 when one lives but has left that group.
sk_adopted_group() {
    sk_line1 "$SK_DIR/pgid" && sk_isnum "$_r1" && [ "$_r1" -gt 1 ] || return 1
    _ag=$_r1 _moved=1
    sk_this_boot || return 1
    sk_regular "$SK_DIR/members" || return 1
    while read -r _mp _ms _; do
        sk_isnum "$_mp" && sk_isnum "$_ms" || continue
        sk_proc "$_mp" && [ "$SK_STATE" != Z ] && [ "$SK_START" = "$_ms" ] || continue
        if [ "$SK_PGRP" = "$_ag" ]; then
            SK_TG=$_ag
            return 0
        fi
        _moved=2
    done <"$SK_DIR/members"
    return $_moved
}

# sk_stat_tty PID: sk_proc, plus SK_TTYNR (the controlling terminal, 0 for none) and SK_TPGID
# (its foreground process group).
sk_stat_tty() {
    sk_proc "$1" || return 1
    # shellcheck disable=SC2086
    set -- ${_l##*') '}
    SK_TTYNR=$5 SK_TPGID=$6
}

# sk_ids PID: SK_UIDS and SK_GIDS, "real effective saved fs" from /proc/PID/status.
sk_ids() {
    SK_UIDS= SK_GIDS=
    while IFS= read -r _sl; do
        case $_sl in
            Uid:*)
                # shellcheck disable=SC2086
                set -- ${_sl#Uid:}
                SK_UIDS="$1 $2 $3 $4"
                ;;
            Gid:*)
                # shellcheck disable=SC2086
                set -- ${_sl#Gid:}
                SK_GIDS="$1 $2 $3 $4"
                ;;
        esac
    done <"/proc/$1/status" 2>/dev/null
    [ -n "$SK_UIDS" ] && [ -n "$SK_GIDS" ]
}

# sk_tty_name TTY_NR: pts/N, ttyN, or MAJOR:MINOR.
sk_tty_name() {
    _mj=$((($1 >> 8) & 4095)) _mn=$((($1 & 255) | (($1 >> 12) & 1048320)))
    if [ $_mj -ge 136 ] && [ $_mj -le 143 ]; then
        echo "pts/$(((_mj - 136) * 256 + _mn))"
    elif [ $_mj = 4 ]; then
        echo "tty$_mn"
    else
        echo "$_mj:$_mn"
    fi
}

# The candidates of `adopt HOST`: this user's processes that have a controlling terminal, but
# those of this call's own session.
sk_adoptable() {
    _me=$(id -u)
    sk_proc $$ && _mysid=$SK_SID
    _up=
    read -r _up _ </proc/uptime 2>/dev/null
    _hz=$(getconf CLK_TCK 2>/dev/null) || _hz=100
    sk_isnum "$_hz" || _hz=100
    sk_reply "clock uptime=${_up%%.*} hz=$_hz"
    for _st in /proc/[0-9]*/stat; do
        _p=${_st%/stat}
        _p=${_p#/proc/}
        sk_stat_tty "$_p" || continue
        [ "$SK_STATE" != Z ] && [ "$SK_TTYNR" != 0 ] && [ "$SK_SID" != "$_mysid" ] || continue
        sk_ids "$_p" || continue
        # shellcheck disable=SC2086
        set -- $SK_UIDS
        [ "$1" = "$_me" ] || continue
        _fg=0
        [ "$SK_TPGID" = "$SK_PGRP" ] && _fg=1
        sk_reply "candidate pid=$_p pgid=$SK_PGRP sid=$SK_SID fg=$_fg state=$SK_STATE start=$SK_START tty=$(sk_tty_name "$SK_TTYNR") cmd=$(sk_hex "/proc/$_p/cmdline")"
    done
}

# sk_adopt_refuse CODE [FIELDS]: an error reply with details (sk_fail carries the code alone).
sk_adopt_refuse() {
    sk_reply "error code=$1${2:+ $2}"
    sk_reply end
    exit 0
}

# sk_adopt_check PID: what adopt refuses before touching anything.
sk_adopt_check() {
    [ "$1" -gt 1 ] || sk_adopt_refuse adopt-pid-one
    sk_proc "$1" && [ "$SK_STATE" != Z ] || sk_adopt_refuse adopt-no-process
    sk_ids "$1" || sk_adopt_refuse adopt-no-process
    _me=$(id -u)
    # shellcheck disable=SC2086
    set -- "$1" $SK_UIDS
    [ "$2" = "$_me" ] || sk_adopt_refuse adopt-other-user "uid=$2"
    _ap=$1
    sk_proc $$ && _mysid=$SK_SID
    sk_proc "$_ap" || sk_adopt_refuse adopt-no-process
    [ "$SK_SID" != "$_mysid" ] || sk_adopt_refuse adopt-own-helper
    case $(tr '\000' ' ' <"/proc/$_ap/cmdline" 2>/dev/null) in
        */sessionkeeper/jobs/*) sk_adopt_refuse adopt-own-helper ;;
    esac
    if tr '\000' '\n' <"/proc/$_ap/environ" 2>/dev/null | grep -q '^SESSIONKEEPER_JOB_COOKIE='; then
        sk_adopt_refuse adopt-own-job
    fi
    SK_ADOPT_START=$SK_START SK_ADOPT_PGID=$SK_PGRP SK_ADOPT_SID=$SK_SID
    # Adopted already (another job directory records this very process): name that job.
    [ -d "$SK_BASE" ] || return 0
    for _od in "$SK_BASE"/*; do
        [ "$(sk_small "$_od/proto")" = "2 adopted" ] || continue
        [ "$(sk_small "$_od/pid")" = "$_ap" ] && [ "$(sk_small "$_od/starttime")" = "$SK_ADOPT_START" ] || continue
        [ "${_od##*/}" = "$SK_ID" ] && continue
        sk_adopt_refuse adopt-already "id=${_od##*/}"
    done
}

# sk_adopt_denied PID: why ptrace of PID was refused, as far as this host tells (one word).
sk_adopt_denied() {
    sk_ids "$1" || {
        echo gone
        return
    }
    _me=$(id -u)
    # shellcheck disable=SC2086
    set -- "$1" $SK_UIDS
    if [ "$_me" != 0 ]; then
        [ "$2" = "$_me" ] || {
            echo other-user
            return
        }
        [ "$3" = "$_me" ] && [ "$4" = "$_me" ] || {
            echo setuid
            return
        }
        _mg=$(id -g)
        # shellcheck disable=SC2086
        set -- $SK_GIDS
        [ "$1" = "$_mg" ] && [ "$2" = "$_mg" ] && [ "$3" = "$_mg" ] || {
            echo setgid
            return
        }
    fi
    # A process that is not dumpable (PR_SET_DUMPABLE 0, or after a setuid exec) has its /proc
    # directory owned by root.
    # shellcheck disable=SC2046
    set -- $(ls -ldn "/proc/$1" 2>/dev/null)
    if [ "$_me" != 0 ] && [ "${3:-}" != "$_me" ]; then
        echo not-dumpable
        return
    fi
    _y=
    IFS= read -r _y </proc/sys/kernel/yama/ptrace_scope 2>/dev/null
    case $_y in
        1 | 2 | 3)
            [ "$_me" != 0 ] || [ "$_y" = 3 ] && {
                echo "yama-$_y"
                return
            }
            ;;
    esac
    echo refused
}

# sk_adopt_one PID START: protects one process of the group; appends its outcome to adopted.lines.
sk_adopt_one() {
    _was=$SK_STATE _spec=
    for _fd in 0 1 2; do
        case $(readlink "/proc/$1/fd/$_fd" 2>/dev/null) in
            /dev/pts/* | /dev/tty* | /dev/console) _spec=${_spec}t ;;
            *) _spec=${_spec}n ;;
        esac
    done
    if ! sk_ids "$1"; then
        printf '%s %s gone\n' "$1" "$2" >>"$SK_DIR/adopted.lines"
        return
    fi
    # shellcheck disable=SC2086
    set -- "$1" "$2" $SK_UIDS
    if [ "$3" != "$(id -u)" ]; then
        printf '%s %s denied other-user\n' "$1" "$2" >>"$SK_DIR/adopted.lines"
        return
    fi
    _to=
    command -v timeout >/dev/null 2>&1 && _to="timeout 30"
    # A refusal is tried again twice: once in the suite a zsh background job refused an attach
    # (EPERM; same user, dumpable, no tracer: the cause was not found).
    _try=0
    while :; do
        _res=$($_to perl -e "$SK_ADOPT_TOOL" "$1" "$SK_DIR/out" "$SK_DIR/err" "$_spec" 2>&1)
        case $_res in *'SKR fail attach errno=1'*) ;; *) break ;; esac
        _try=$((_try + 1))
        [ $_try -lt 3 ] || break
        sk_nap 0.2
    done
    # Never leave a process stopped that was not stopped before.
    if sk_proc "$1" && [ "$SK_START" = "$2" ]; then
        case $SK_STATE:$_was in
            [Tt]:[Tt]) ;;
            [Tt]:*) kill -s CONT "$1" 2>/dev/null ;;
        esac
    else
        printf '%s %s gone\n' "$1" "$2" >>"$SK_DIR/adopted.lines"
        return
    fi
    case $_res in
        *'SKR done'*) ;;
        *'SKR fail attach errno=1'* | *'SKR fail attach errno=13'*)
            printf '%s %s denied %s\n' "$1" "$2" "$(sk_adopt_denied "$1")" >>"$SK_DIR/adopted.lines"
            return
            ;;
        *)
            _why=$(printf '%s\n' "$_res" | grep '^SKR fail' | head -n 1 | tr -c 'a-z0-9=\n-' '-')
            printf '%s %s failed %s\n' "$1" "$2" "${_why#SKR-fail-}" >>"$SK_DIR/adopted.lines"
            return
            ;;
    esac
    # Checked, not believed: SIGHUP ignored, and each terminal descriptor now on its file.
    _ok=1
    while IFS= read -r _sl; do
        case $_sl in SigIgn:*) case ${_sl#SigIgn:} in *[13579bdf]) ;; *) _ok=0 ;; esac ;; esac
    done <"/proc/$1/status"
    case $_spec in ?t?) [ "$(readlink "/proc/$1/fd/1")" = "$SK_DIR/out" ] || _ok=0 ;; esac
    case $_spec in ??t) [ "$(readlink "/proc/$1/fd/2")" = "$SK_DIR/err" ] || _ok=0 ;; esac
    case $_spec in t??) [ "$(readlink "/proc/$1/fd/0")" = /dev/null ] || _ok=0 ;; esac
    if [ $_ok = 1 ]; then
        printf '%s %s protected %s\n' "$1" "$2" "$_spec" >>"$SK_DIR/adopted.lines"
    elif ! sk_proc "$1" || [ "$SK_START" != "$2" ] || [ "$SK_STATE" = Z ]; then
        # It ended between its protection and the check (a loop's short-lived `sleep`, seen on a
        # loaded machine): a zombie's descriptors are closed. Gone, not unprotected.
        printf '%s %s gone\n' "$1" "$2" >>"$SK_DIR/adopted.lines"
    else
        printf '%s %s failed unverified\n' "$1" "$2" >>"$SK_DIR/adopted.lines"
    fi
}

# sk_adopt_protect: every process of the group, until a pass finds none new (a child forked by a
# process before it was protected); children forked after inherit the protection.
sk_adopt_protect() {
    : >"$SK_DIR/adopted.lines"
    SK_ADOPT_WHY=
    if [ "${SK_FAULT:-}" = remote-adopt-no-tool ] || ! command -v perl >/dev/null 2>&1; then
        SK_ADOPT_WHY=no-tool
    elif [ "$(uname -m 2>/dev/null)" != x86_64 ]; then
        SK_ADOPT_WHY=unsupported-arch
    fi
    _seen=' ' _round=0
    while [ $_round -lt 6 ]; do
        _new=0
        for _st in /proc/[0-9]*/stat; do
            _p=${_st%/stat}
            _p=${_p#/proc/}
            sk_proc "$_p" || continue
            [ "$SK_PGRP" = "$SK_ADOPT_PGID" ] && [ "$SK_STATE" != Z ] || continue
            case $_seen in *" $_p:$SK_START "*) continue ;; esac
            _new=1 _seen="$_seen$_p:$SK_START "
            printf '%s %s\n' "$_p" "$SK_START" >>"$SK_DIR/members"
            if [ -n "$SK_ADOPT_WHY" ]; then
                printf '%s %s denied %s\n' "$_p" "$SK_START" "$SK_ADOPT_WHY" >>"$SK_DIR/adopted.lines"
            else
                # Test hook: the process ends while it is being adopted.
                [ "${SK_FAULT:-}" = remote-adopt-exit ] && [ "$_p" = "$SK_PID" ] && kill -s KILL "$_p"
                sk_adopt_one "$_p" "$SK_START"
            fi
        done
        [ $_new = 0 ] && break
        _round=$((_round + 1))
    done
    # The word: the adopted process's own outcome first, then the rest of its group's.
    _mine=$(grep "^$SK_PID $SK_ADOPT_START " "$SK_DIR/adopted.lines" | head -n 1)
    # shellcheck disable=SC2086
    set -- $_mine
    case ${3:-gone} in
        protected)
            # A process that ended meanwhile (a short-lived child) is no part missing.
            if grep -v ' protected ' "$SK_DIR/adopted.lines" | grep -qv ' gone$'; then _w=partial; else _w=protected; fi
            ;;
        failed) _w=unprotected SK_ADOPT_WHY=tool-failed ;;
        *) _w=unprotected SK_ADOPT_WHY=${4:-${3:-gone}} ;;
    esac
    [ "${3:-}" = gone ] && SK_ADOPT_WHY=gone
    { printf '%s %s\n' "$_w" "$SK_ADOPT_WHY"; cat "$SK_DIR/adopted.lines"; } >"$SK_DIR/adopted.tmp" &&
        mv -f "$SK_DIR/adopted.tmp" "$SK_DIR/adopted" && rm -f "$SK_DIR/adopted.lines"
}

sk_adopt() {
    sk_base
    sk_check_id "$SK_ID"
    sk_isnum "$SK_PID" || sk_fail bad-request
    sk_adopt_check "$SK_PID"
    mkdir -p "$SK_BASE" || sk_fail cannot-create-base
    SK_DIR=$SK_BASE/$SK_ID
    if mkdir "$SK_DIR" 2>/dev/null; then
        SK_FRESH=1
        printf '2 adopted\n' >"$SK_DIR/proto"
        _cmd=$(dd if="/proc/$SK_PID/cmdline" bs=4096 count=1 2>/dev/null | tr '\000' ' ')
        printf '%s' "${_cmd% }" >"$SK_DIR/cmd"
        printf '%s' "$(readlink "/proc/$SK_PID/cwd" 2>/dev/null)" >"$SK_DIR/cwd"
        date +%s >"$SK_DIR/created"
        printf 'null\n' >"$SK_DIR/stdin"
        printf '%s\n' "$SK_PID" >"$SK_DIR/pid"
        printf '%s\n' "$SK_ADOPT_PGID" >"$SK_DIR/pgid"
        printf '%s\n' "$SK_ADOPT_START" >"$SK_DIR/starttime"
        sk_boot_id >"$SK_DIR/boot_id"
        : >>"$SK_DIR/out"
        : >>"$SK_DIR/err"
        : >"$SK_DIR/members"
        mkdir -p "$SK_DIR/helpers"
        sk_put "$SK_DIR/cookie" "$SK_COOKIE"
        sk_adopt_protect
        if ! sk_adopted_ours "$SK_PID"; then
            # It ended before or while it was protected: there is nothing to track.
            rm -rf -- "$SK_DIR"
            sk_adopt_refuse adopt-exited
        fi
    else
        # The same request again (its reply was lost): report what the first one did.
        SK_FRESH=0
        sk_owned "$SK_DIR" || sk_fail foreign-owner
        [ "$(sk_small "$SK_DIR/cookie")" = "$SK_COOKIE" ] || sk_fail id-exists
        sk_adopted || sk_fail id-exists
    fi
    sk_line1 "$SK_DIR/adopted" || _r1=
    # shellcheck disable=SC2086
    set -- $_r1
    _n=$(grep -c ' protected \| denied \| failed ' "$SK_DIR/adopted" 2>/dev/null) || _n=0
    _k=$(grep -c ' protected ' "$SK_DIR/adopted" 2>/dev/null) || _k=0
    _fg=0
    sk_stat_tty "$SK_PID" && [ "$SK_TPGID" = "$SK_PGRP" ] && _fg=1
    _ld=0
    [ "$SK_SID" = "$SK_PID" ] && _ld=1
    sk_reply "adopted id=$SK_ID fresh=$SK_FRESH protect=${1:-unknown} reason=${2:-} members=$_n protected=$_k fg=$_fg leader=$_ld"
    sk_report "$SK_ID"
}

# sk_watchdog SECONDS: every call is bounded on the target itself. Past its deadline the runner's
# process group is killed, whatever it is blocked on: sshd made that group for this call alone
# (the runner and what it started; wrappers and jobs run in sessions of their own). Closing the
# channel from the client ends nothing here, so this is what keeps a stuck call from lingering.
# Outside a group of its own (a test's local shell) the runner is not bounded.
sk_watchdog() {
    SK_WD=
    sk_isnum "$1" && [ "$1" -gt 0 ] || return 0
    sk_proc $$ && [ "$SK_PGRP" = $$ ] || return 0
    # sk_bye's TERM may come at any point: before the trap is set it ends the subshell before its
    # sleep exists; between the sleep's start and "_s=$!" it is only noted, and the sleep is ended
    # as soon as its pid is known, so no sleep outlives a call. The sleep gets KILL, not TERM: a
    # forked child still runs the shell's handler until it execs, and a TERM caught there is lost
    # (seen once under BusyBox ash on a loaded machine: a sleep left for the whole deadline).
    (
        _s= _t=
        trap '_t=1; [ -n "$_s" ] && { kill -s KILL "$_s" 2>/dev/null; exit 0; }' TERM
        sleep "$1" &
        _s=$!
        [ -n "$_t" ] && { kill -s KILL "$_s" 2>/dev/null; exit 0; }
        wait "$_s" && kill -s KILL -- "-$SK_PGRP"
    ) </dev/null >/dev/null 2>&1 &
    SK_WD=$!
}

# sk_watchdog_late: the watchdog of a call whose perl would have bounded it, started once its sh
# takes over (sk_main defers it for run and stream).
sk_watchdog_late() {
    [ -n "${SK_WD_LATE:-}" ] || return 0
    sk_watchdog "$SK_WD_LATE"
    SK_WD_LATE=
}

# sk_private: from here on this call's files are private (umask 077), the login's umask kept in
# SK_USER_UMASK for the job; once per call.
sk_private() {
    [ -z "$SK_USER_UMASK" ] || return 0
    SK_USER_UMASK=$(umask)
    umask 077
}
# sk-lazy-end

# Defines the functions the runner was sent as text (see the header); at most once, and nothing
# where they are code already (the source as written, or a second call).
sk_lazy() {
    [ -n "${sk_lazy_text:-}" ] || return 0
    _lz=$sk_lazy_text
    sk_lazy_text=
    eval "$_lz"
}

# Ends the watchdog (on every exit, sk_fail's included).
sk_bye() {
    [ -n "${SK_WD:-}" ] && kill "$SK_WD" 2>/dev/null
    SK_WD=
}

sk_main() {
    # Job directories and their files are private (0700/0600): env may hold secrets. The job
    # itself gets the login's own umask back, as it would under plain ssh. The run verb's perl
    # (sk_run_fast) reads it itself before anything is made: its sh creates no file before, and
    # takes the umask on every path of its own (sk_private), so the common case forks no $(umask).
    SK_USER_UMASK=
    case ${SK_FAULT:-}:$SK_VERB in
        :run) ;;
        *)
            sk_lazy
            sk_private
            ;;
    esac
    # The POSIX sh that runs wrappers and jobs' preludes; tests point it at bash or BusyBox ash.
    SK_INTERP=${SESSIONKEEPER_INTERP:-/bin/sh}
    # Our own tools come from the system's directories first; the job gets the login's PATH back
    # (the wrapper's third argument), then its own environment, at its final exec only.
    SK_LOGIN_PATH=${PATH-}
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin${PATH:+:$PATH}
    export PATH
    # End any partial noise line the login shell may have printed without a newline.
    # A write to a channel whose client is gone raises SIGPIPE: exit through the EXIT trap, so the
    # watchdog ends with the call instead of outliving it (dying of the signal skips the trap). A
    # caught signal is back at its default in every command this starts; an ignored one would not be.
    trap 'exit 141' PIPE
    printf '\n'
    trap sk_bye EXIT
    _dl=120
    case $SK_VERB:${SK_GRACE:-}:${SK_TTL:-} in
        upload:*) _dl=900 ;;
        kill:[0-9]*) sk_isnum "$SK_GRACE" && [ ${#SK_GRACE} -le 6 ] && _dl=$((120 + SK_GRACE)) ;;
        stream:*:[0-9]* | run:*:[0-9]*) sk_isnum "$SK_TTL" && [ ${#SK_TTL} -le 6 ] && _dl=$((120 + SK_TTL)) ;;
        gc:* | list:*) _dl=600 ;;
    esac
    # run and stream are served by one perl process where perl exists, bounded by its alarm: no
    # watchdog process for them (one exec fewer per call); each sh path of theirs starts it late.
    SK_WD_LATE=
    case ${SK_FAULT:-}:$SK_VERB in
        :run | :stream) SK_WD_LATE=${SK_DEADLINE:-$_dl} ;;
        # The resident launcher is bounded by its own idle time (it execs perl or ends at once).
        *:serve) ;;
        *) sk_watchdog "${SK_DEADLINE:-$_dl}" ;;
    esac
    # Test hook: a call stuck on the target (as a read of a FIFO once was), for the watchdog to end.
    [ "${SK_FAULT:-}" = remote-stuck ] && sleep 2147483647
    case $SK_VERB in
        launch) sk_launch ;;
        status) sk_status ;;
        list) sk_list ;;
        kill) sk_kill ;;
        rm) sk_rm ;;
        gc) sk_gc ;;
        stream) sk_stream ;;
        run) sk_run ;;
        upload) sk_upload ;;
        adopt) sk_adopt ;;
        adoptable) sk_adoptable ;;
        serve) sk_serve ;;
        *) sk_fail unknown-verb ;;
    esac
    sk_reply end
}

# A perl-first call's values (sk_first, sk_run_fast) come from the payload only, never from the
# login's environment: the request's variables and perl's words follow this.
unset SK_FIRST SK_PERL_RC SK_PERL_WORDS
# The perl program sk_first's perl runs: it reads the channel up to the marker line "@@SKP N F K S"
# (sh may have read the start of the padding before it, never the marker), then the N bytes after
# it, and compiles their first F (front.pl, which keeps the lengths of the parts: F, K of keeper.pl,
# S of stream.pl; the rest is the whole payload), then keeper.pl. Cut short, it ends having run
# nothing, as sh does with a brace group cut short. The marker is matched by a statement modifier,
# not in a loop's block: its captures must outlive the loop.
SK_FIRST_BOOT='my $b = ""; sysread(STDIN, $b, 4096, length $b) || exit 9 until $b =~ /^\@\@SKP ([0-9]+) ([0-9]+) ([0-9]+) ([0-9]+)\n/m; my @n = ($1, $2, $3, $4); substr($b, 0, $+[0], ""); while (length $b < $n[0]) { sysread(STDIN, $b, $n[0] - length $b, length $b) or exit 9 } our ($sk_payload, @sk_parts) = ($b, @n[1 .. 3]); eval substr($b, 0, $n[1]) or die $@; eval substr($b, $n[1], $n[2]); die $@'
