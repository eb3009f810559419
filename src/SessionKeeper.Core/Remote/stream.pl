# SessionKeeper stream helper, fast tier (perl 5.10+, core modules only).
#
# Usage: perl -e BOOT DIR ID LAYOUT CLIENT OFF_A KNOWN_A OFF_B KNOWN_B MAX HB_MS TTL CREDIT ONCE TAIL [DEADLINE]
# where BOOT compiles this program from the environment variable SK_STREAM_TOOL (runner.sh's
# sk_stream_fast says why there). Started by the runner's sk_stream_fast once the request is validated (runner.sh: the job
# directory is ours, untampered, of a known layout, not adopted) with the channel on fds 0 and 1,
# and fd 3 open for its last word to the runner; or, for the run verb, compiled by keeper.pl in its
# run mode once it has launched the job (the same process: no second perl start). DEADLINE is the
# call's bound (its alarm, in place of the runner's watchdog); without it, TTL + 120 s. It speaks
# exactly the POSIX tier's protocol (sk_stream): frames "@@SKD S OFF LEN" + bytes + "@@SKE", heartbeats "@@SKH O E", credit lines
# "@@SKC SUM" on stdin, and the replies stream, more, caught, done and error (+ end). What it adds:
# it reads up to 1 MiB per frame with sysread from a descriptor opened once, takes credit from
# stdin through select instead of a file copied by a background reader, and sleeps in select while
# nothing grows: no process is started while the job is silent. Where inotify can watch the job
# directory (a known architecture, and the user's inotify instances not all taken), a silent job
# costs one wake-up per heartbeat: once a tick has passed with nothing new, the loop sleeps until
# the directory changes (a log written, the exit record renamed in), stdin or the wrapper's pipe
# speaks, or the heartbeat is due. Elsewhere sizes are polled with stat on a tick that backs off
# from 10 to 250 ms. Either way a change is looked at within a tick of the last one, so a job
# that writes without pause gets its output in frames of at most a tick's worth, as before.
#
# To the runner, on fd 3: "started" before anything is sent (without it the runner serves the
# stream in sh), and exit codes: 0 the last reply and "end" were sent (the call is over: the runner
# sends nothing more, so nothing of the call but this process can block on the channel); 3
# everything was sent, and the job has no exit record, no live process and no live wrapper: the
# runner derives the lost state (sk_report) and replies done with the offsets written on fd 3 after
# "started"; 4 an error reply and its end were sent; anything else: ended (by its successor, a
# signal, the channel's end), nothing more to say.
use 5.010;
BEGIN { $^W = 1 }    # warnings as perl -w: warnings.pm alone would cost 2 ms of CPU per stream
# Nor is strict.pm loaded (about 0.4 ms of CPU per stream, its search through @INC included): the
# unit tests compile this script with perl -Mstrict (ScriptStrictnessTests).
# Fcntl and Time::HiRes cost more CPU to load than the rest of this start (about 3 and 5 ms here):
# where the architecture is known (x86_64, aarch64, read from the ELF header of /proc/self/exe, as
# keeper.pl does) the open flags are constants and the clock is clock_gettime as a system call;
# elsewhere both modules are loaded. Known, the process ends with exit_group itself (leave): perl's
# own exit first runs its global destruction (every signal handler restored, one system call
# each, and every value freed), about 0.3 million instructions at the end of every stream, for a
# process that has nothing buffered (every write is a syswrite) and leaves no file to clean up.
BEGIN {
    # The ELF machine: read by keeper.pl in the run verb (its $sk_machine), else read here.
    our $sk_machine;
    my $machine = $sk_machine;
    if (!defined $machine) {
        my $elf = '';
        if (open(my $exe, '<', '/proc/self/exe')) { sysread($exe, $elf, 20); }
        $machine = length $elf == 20 && substr($elf, 0, 6) eq "\x7fELF\x02\x01" ? unpack('v', substr($elf, 18, 2)) : 0;
    }
    # aarch64's O_NOFOLLOW, clock_gettime's and exit_group's numbers; every other flag is the same
    # on both.
    my $m = {62 => [0, 228, 231, 294, 254], 183 => [1, 113, 94, 26, 27]}->{$machine};
    if ($m) {
        my ($arm, $clock, $exit_group, $inotify_init1, $inotify_add_watch) = @$m;
        # Constant subroutines, as Fcntl's are, without a string eval each (a compile apiece).
        *O_RDONLY = sub () { 0 };
        *O_WRONLY = sub () { 1 };
        *O_CREAT = sub () { 0100 };
        *O_EXCL = sub () { 0200 };
        *O_NONBLOCK = sub () { 04000 };
        *O_NOFOLLOW = $arm ? sub () { 0100000 } : sub () { 0400000 };
        # CLOCK_MONOTONIC (1), the clock select's timeouts count on (every use here is a span, and
        # one of the realtime clock, slewed by NTP, could find a wait of exactly the heartbeat's
        # span a little short and wait again): seconds and nanoseconds, two 64-bit words.
        *now = sub {
            my $ts = "\0" x 16;
            syscall($clock, 1, $ts) == 0 or die "sessionkeeper: clock_gettime: $!\n";
            my ($sec, $nsec) = unpack('q2', $ts);
            return $sec + $nsec / 1e9;
        };
        *leave = sub { syscall($exit_group, $_[0]) };
        # A non-blocking, close-on-exec inotify descriptor on directory $_[0], told of its files'
        # writes (IN_MODIFY), renames into it (IN_MOVED_TO) and creations (IN_CREATE); undef
        # where none can be had.
        *watch_dir = sub {
            my $path = "$_[0]";    # a string: syscall passes its address
            my $fd = syscall($inotify_init1, 04000 | 02000000);
            return undef if $fd < 0;
            open(my $h, '<&=', $fd) or return undef;
            return syscall($inotify_add_watch, $fd, $path, 0x2 | 0x80 | 0x100) < 0 ? undef : $h;
        };
    }
    else {
        require Fcntl;
        Fcntl->import(qw(O_RDONLY O_WRONLY O_CREAT O_EXCL O_NONBLOCK O_NOFOLLOW));
        require Time::HiRes;
        *now = \&Time::HiRes::time;
        *leave = sub { exit $_[0] };
        *watch_dir = sub { undef };
    }
}

# A regular file's mode (S_ISREG), the same on every Linux.
sub S_ISREG { return ($_[0] & 0170000) == 0100000; }

# EINTR, 4 on every Linux architecture: a constant rather than %!, which loads Errno.
sub EINTR () { 4 }

my ($dir, $id, $layout, $client, $oa, $ka, $ob, $kb, $max, $hb_ms, $ttl, $credit_on, $once, $tail, $bound) = @ARGV;
my $frame_max = 1 << 20;
my ($ta, $fa, $tb, $fb) = $layout eq '1' ? ('l', "$dir/log", '', '') : ('o', "$dir/out", 'e', "$dir/err");
my ($sa, $sb) = (0, 0);
my (%fd, %ino);
my $hb = $hb_ms / 1000;

# First word to the runner, before any to the client: a perl that could not compile this (too old,
# a core module missing) never says it, and the runner then serves the stream in sh.
# The words go to the runner on fd 3, or to front.pl's pipe (perl-first: see register).
our ($sk_words, $sk_front);
my $runner = $sk_words;
$runner or open($runner, '>&=', 3) or exit 6;
syswrite($runner, "started\n");
$SIG{PIPE} = 'DEFAULT';
# Bounded on its own as every call is: the runner starts no watchdog while this serves the call.
alarm(defined $bound && $bound =~ /\A[1-9][0-9]{0,8}\z/ ? $bound : $ttl + 120);
binmode STDOUT;

sub out {
    my $buf = join '', @_;
    my $at = 0;
    while ($at < length $buf) {
        my $n = syswrite(STDOUT, $buf, length($buf) - $at, $at);
        if (!defined $n) {
            next if $! == EINTR;
            leave(5);    # the channel is gone: nobody reads a reply any more
        }
        $at += $n;
    }
}

sub reply { out('@@SK2 ', @_, "\n"); }

sub offsets { return "layout=$layout o=$oa e=$ob"; }

# The error reply and the call's end, in one write (one packet for sshd to send).
sub fail {
    out("\@\@SK2 error code=$_[0]\n\@\@SK2 end\n");
    leave(4);
}

# The call's last reply and its end, in one write.
sub finish {
    out('@@SK2 ', @_, "\n\@\@SK2 end\n");
    leave(0);
}

# A regular file, not a symlink (sk_regular): lstat, never stat.
sub regular {
    my @st = lstat $_[0];
    return @st && S_ISREG($st[2]);
}

# First 128 bytes (or N) of a small state file (sk_small), or undef when it is not a regular file.
sub small {
    return undef unless regular($_[0]);
    sysopen(my $h, $_[0], O_RDONLY | O_NOFOLLOW | O_NONBLOCK) or return undef;
    my $s = '';
    sysread($h, $s, $_[1] // 128);
    return $s;
}


# One line of the kernel's /proc/PID/stat: (state, ppid, start) split after the last ") ".
sub proc {
    my ($pid) = @_;
    return () unless defined $pid && $pid =~ /^[0-9]+$/ && $pid > 1;
    open(my $h, '<', "/proc/$pid/stat") or return ();
    local $/;
    my $l = <$h>;
    return () unless defined $l && $l =~ /\) ([^)]*)\z/s;
    my @f = split ' ', $1;
    return ($f[0], $f[1], $f[19]);
}

# The size of stream file F (its descriptor kept open while it is the same file): fails the call
# when it is not a regular file, or when it holds less than what the client has (offset or known).
sub size_of {
    my ($f, $off, $known) = @_;
    my @st = lstat $f;
    my $name = $f;
    $name =~ s{.*/}{};
    fail("tampered-$name") unless @st && S_ISREG($st[2]);
    if (!$fd{$f} || $ino{$f} ne "$st[0]:$st[1]") {
        # O_NONBLOCK: a FIFO put in place between the lstat and the open must not block us.
        sysopen(my $h, $f, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) or fail('no-log');
        my @hs = stat $h;
        fail("tampered-$name") unless S_ISREG($hs[2]) && "$hs[0]:$hs[1]" eq "$st[0]:$st[1]";
        ($fd{$f}, $ino{$f}) = ($h, "$st[0]:$st[1]");
    }
    fail('log-truncated') if $st[7] < $off || $st[7] < $known;
    return $st[7];
}

sub sizes {
    $sa = size_of($fa, $oa, $ka);
    $sb = $fb ne '' ? size_of($fb, $ob, $kb) : 0;
}


# One frame of F's bytes [OFF, OFF+LEN): read whole before its header promises them.
sub frame {
    my ($token, $f, $off, $len) = @_;
    my $h = $fd{$f};
    sysseek($h, $off, 0) or fail('log-truncated');
    my $buf = '';
    while (length $buf < $len) {
        my $n = sysread($h, $buf, $len - length $buf, length $buf);
        next if !defined $n && $! == EINTR;
        fail('log-truncated') unless $n;
    }
    out("\@\@SKD $token $off $len\n", $buf, "\@\@SKE\n");
}

# Sends what the credit allows of both streams (stdout first); true when anything was sent.
my $credit;
sub send_frames {
    my $moved = 0;
    my $room = $credit - $oa - $ob;
    if ($sa > $oa && $room > 0) {
        my $len = $sa - $oa;
        $len = $frame_max if $len > $frame_max;
        $len = $room if $room < $len;
        frame($ta, $fa, $oa, $len);
        $oa += $len;
        $room -= $len;
        $moved = 1;
    }
    if ($fb ne '' && $sb > $ob && $room > 0) {
        my $len = $sb - $ob;
        $len = $frame_max if $len > $frame_max;
        $len = $room if $room < $len;
        frame($tb, $fb, $ob, $len);
        $ob += $len;
        $moved = 1;
    }
    return $moved;
}

# The exit record, validated as sk_valid_exit does, as the reply's fields; undef when there is none
# or it is not one the wrapper could have written.
sub exit_record {
    my $rec;
    if (-e "$dir/exit" || -l "$dir/exit") {
        $rec = small("$dir/exit") // '';
    } else {
        # The wrapper renames its slot to exit; a slot it filled but could not rename still counts.
        my $s = small("$dir/exit.slot") // return undef;
        ($rec) = split /\n/, $s, 2;
        return undef unless defined $rec && $rec =~ /^v1 /;
    }
    my @w = split ' ', $rec;
    return undef unless @w == 6 || (@w == 7 && $w[6] eq 'nospace');
    my ($v, $kind, $code, $sig, $to, $ended) = @w;
    return undef unless $v eq 'v1';
    for ($code, $sig) { return undef unless /^(0|[1-9][0-9]{0,2})$/; }
    return undef unless $to =~ /^[01]$/ && $ended =~ /^(0|[1-9][0-9]{0,10})$/;
    my $ok = $kind eq 'exited' ? $code <= 255 && $sig == 0
        : $kind eq 'killed' ? $sig >= 1 && $sig <= 64 && $code == 128 + $sig
        : $kind eq 'unknown' ? $code == 0 && $sig == 0
        : 0;
    return undef unless $ok;
    my $ns = @w == 7 ? ' nospace=1' : '';
    return $kind eq 'unknown'
        ? "state=lost reason=exit-status-unknown ended=$ended$ns"
        : "state=$kind code=$code signal=$sig timedout=$to ended=$ended$ns";
}

# Compiled on first need (rare_subs), not at every stream's start: a stream that serves no --tail
# and never finds its job seemingly lost (no exit record, all sent, a heartbeat due) never calls
# these, and compiling them cost each stream's target about 0.5 ms of CPU. They are:
#   rec NAME: the job's record pid or cookie (sk_rec): layout 2's file of that name, or in layout 3
#     the first word of ident ("pid pgid starttime boot_id sigign sigblk sigreset") or the fourth
#     of proto ("3 TIER created cookie umask timeout grace stdin");
#   tail_start F SIZE N: the offset of F's last N lines, as `tail -n N` counts them (a last line
#     without a newline counts);
#   wrapper_alive: the wrapper file names a live process with its recorded start time whose
#     command line runs this directory's wrapper.sh or keeper.pl on it (sk_wrapper_alive); returns
#     its pid, and sets $wrapper_perl when it is keeper.pl (the job's parent) rather than
#     wrapper.sh (its grandparent);
#   job_alive: the pid file names this job, proven from /proc (sk_ours): the live wrapper's
#     grandchild (its child under keeper.pl), or once the wrapper is gone a process whose
#     environment carries the cookie.
# They see this file's lexicals as subs written out here would (rare_subs, a named sub of this
# file, evaluates them); ScriptStrictnessTests compile the text in place, with -Mstrict -w.
my $wrapper_perl = 0;
my $rare = <<'LAZY';
sub rec {
    my ($name) = @_;
    if ($name eq 'cookie') {
        return small("$dir/cookie") if lstat("$dir/cookie") || !regular("$dir/proto");
        my @p = split ' ', small("$dir/proto") // '';
        return @p == 8 && $p[0] eq '3' ? "$p[3]\n" : undef;
    }
    return small("$dir/$name") unless lstat("$dir/ident");
    my @i = split ' ', small("$dir/ident", 256) // '';
    return @i == 7 ? "$i[0]\n" : undef;
}
sub tail_start {
    my ($f, $size, $n) = @_;
    return $size if $n == 0;
    my $h = $fd{$f};
    my ($pos, $seen) = ($size, 0);
    while ($pos > 0) {
        my $len = $pos < 65536 ? $pos : 65536;
        $pos -= $len;
        sysseek($h, $pos, 0);
        my $buf = '';
        sysread($h, $buf, $len) == $len or fail('log-truncated');
        for (my $i = $len - 1; $i >= 0; $i--) {
            if (substr($buf, $i, 1) eq "\n") {
                next if $pos + $i == $size - 1;    # the last line's own newline
                return $pos + $i + 1 if ++$seen == $n;
            }
        }
    }
    return 0;
}
sub wrapper_alive {
    my @w = split ' ', small("$dir/wrapper") // '';
    return undef unless @w == 2;
    my ($st, undef, $start) = proc($w[0]);
    return undef unless defined $st && $start eq $w[1] && $st ne 'Z';
    open(my $h, '<', "/proc/$w[0]/cmdline") or return undef;
    local $/;
    my @argv = split /\0/, <$h> // '';
    return undef unless @argv >= 3 && ($argv[1] eq "$dir/wrapper.sh" || $argv[1] eq "$dir/keeper.pl") && $argv[2] eq $dir;
    $wrapper_perl = $argv[1] eq "$dir/keeper.pl";
    (undef, undef, $start) = proc($w[0]);
    return defined $start && $start eq $w[1] ? $w[0] : undef;
}
sub job_alive {
    my $pid = rec('pid') // return 0;
    $pid =~ s/\n+\z//;
    my ($st, $pp, $js) = proc($pid);
    return 0 unless defined $st;
    if (defined(my $wp = wrapper_alive())) {
        if ($wrapper_perl) {
            return 0 unless $pp eq $wp;
        } else {
            my (undef, $kp) = proc($pp);
            return 0 unless defined $kp && $kp eq $wp;
        }
    } else {
        my $c = rec('cookie') // return 0;
        $c =~ s/\n+\z//;
        return 0 if $c eq '' || $c =~ /\n/;
        open(my $h, '<', "/proc/$pid/environ") or return 0;
        local $/;
        return 0 unless grep { $_ eq "SESSIONKEEPER_JOB_COOKIE=$c" } split /\0/, <$h> // '';
    }
    my ($st2, $pp2, $js2) = proc($pid);
    return defined $st2 && $st2 ne 'Z' && $js2 eq $js && $pp2 eq $pp;
}
LAZY

sub rare_subs {
    return unless defined $rare;
    my $text = $rare;
    undef $rare;
    eval "$text\n1" or die $@;
}

# Credit lines from stdin; $stdin_open turns false at its end (then the credit only runs out).
my ($stdin_open, $inbuf) = ($credit_on eq '1', '');
sub read_credit {
    my $n = sysread(STDIN, $inbuf, 65536, length $inbuf);
    return if !defined $n && $! == EINTR;
    if (!$n) {
        $stdin_open = 0;
        return;
    }
    while ($inbuf =~ s/\A([^\n]*)\n//) {
        my $l = $1;
        $credit = $1 if $l =~ /\A\@\@SKC ([0-9]{1,18})\z/ && $1 > $credit;
    }
    # A line longer than any credit line is noise: dropped, as the client drops long noise.
    $inbuf = '' if length $inbuf > 8192;
}

# Waits up to $t seconds for stdin (when it carries credit); reads what came. In the run verb
# keeper.pl leaves $main::sk_ended, a pipe whose writer is the job's wrapper: its EOF (the wrapper
# ended, its exit record written) ends the wait too, and the pipe is watched no more. With $watch
# (the job directory's inotify descriptor), a change in the directory ends it too.
sub wait_input {
    my ($t, $watch) = @_;
    my $rin = '';
    vec($rin, 0, 1) = 1 if $stdin_open;
    vec($rin, fileno($main::sk_ended), 1) = 1 if $main::sk_ended;
    vec($rin, fileno($watch), 1) = 1 if $watch;
    my $ready = select(my $rout = $rin, undef, undef, $t > 0 ? $t : 0);
    read_credit() if $ready > 0 && $stdin_open && vec($rout, 0, 1);
    if ($ready > 0 && $main::sk_ended && vec($rout, fileno($main::sk_ended), 1)) {
        close $main::sk_ended;
        $main::sk_ended = undef;
    }
}

# The previous helper of this client (identity checked by start time) is ended; this one registered.
# The record names the runner's sh that waits for us, as the POSIX tier's does: a successor's TERM
# ends that sh, and we end when our parent changes (checked on every turn of the loop). Run by
# front.pl (perl-first), this process is the call's first, its parent sshd's session: the record
# names this process, and a successor's TERM ends it.
my $front = defined $sk_front && $sk_front == $$;
my $parent = $front ? $$ : getppid();
sub register {
    mkdir "$dir/helpers";
    my @st = lstat "$dir/helpers";
    fail('tampered-helpers') unless @st && -d _;
    my $me = "$dir/helpers/$client";
    my @prev = split ' ', small($me) // '';
    if (@prev == 2 && $prev[0] ne $parent) {
        my (undef, undef, $start) = proc($prev[0]);
        kill 'TERM', $prev[0] if defined $start && $start eq $prev[1];
    }
    my (undef, undef, $start) = proc($parent);
    return unless defined $start;
    my $tmp = "$me.tmp.$$";
    unlink $tmp;
    sysopen(my $h, $tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600) or return;
    syswrite($h, "$parent $start\n");
    close $h;
    rename $tmp, $me;
}

register();
sizes();
if ($tail ne '') {
    rare_subs();
    $oa = tail_start($fa, $sa, $tail);
    $ob = tail_start($fb, $sb, $tail) if $fb ne '';
}
$credit = $oa + $ob + $max;
my $dir_watch = watch_dir($dir);
my $so = regular("$dir/in") && !regular("$dir/in.eof") ? ' stdin=open' : '';
reply("stream id=$id " . offsets() . "$so tier=perl");

my $deadline = now() + $ttl;
my ($quiet_since, $tick, $beats) = (now(), 0.01, 0);
while (1) {
    leave(5) if !$front && getppid() != $parent;    # ended by a successor: it took our runner
    # The directory's changes until now are looked at below; any later one wakes the wait.
    if ($dir_watch) {
        my $events;
        1 while (sysread($dir_watch, $events, 65536) // 0) > 0;
    }
    wait_input(0) if $stdin_open;
    if (!$stdin_open && $oa + $ob >= $credit) {
        finish('more ' . offsets());
    }
    sizes();
    if (send_frames()) {
        ($quiet_since, $tick) = (now(), 0.01);
        # A job that never pauses keeps this loop from its heartbeats: renew here too.
        if (++$beats % 16 == 0 && now() >= $deadline) {
            finish('more ' . offsets());
        }
        next;
    }
    # Nothing to send, or waiting for credit: only heartbeats until the client catches up.
    my $all = $sa <= $oa && $sb <= $ob;
    if ($all) {
        if ($once eq '1') {
            finish('caught ' . offsets());
        }
        # No exit record yet while keeper.pl's pipe from the wrapper is open (the run verb): the
        # wrapper writes it before it ends, and its end wakes this loop.
        if (!$main::sk_ended && defined(my $rec = exit_record())) {
            # The exit record is written after the job ended: one more look at the sizes.
            sizes();
            next if $sa > $oa || $sb > $ob;
            finish('done ' . offsets() . " $rec");
        }
    }
    my $now = now();
    if ($now - $quiet_since >= $hb) {
        out("\@\@SKH $oa $ob\n");
        $quiet_since = $now;
        $beats++;
        if ($now >= $deadline) {
            finish('more ' . offsets());
        }
        # Is the job lost? Not while keeper.pl's pipe from the wrapper is open (the run verb): the
        # wrapper holds its write end for its whole life and ends after its exit record, so it is
        # alive and the record will come; nothing to prove from /proc at each heartbeat.
        if ($all && !$main::sk_ended) {
            rare_subs();
            if (!job_alive() && !defined wrapper_alive() && !defined exit_record()) {
                # The runner derives the state (sk_report) and replies done with these offsets.
                syswrite($runner, "$oa $ob\n");
                # front.pl hands these words to sh in its END block, which exit_group would skip.
                exit 3 if $front;
                leave(3);
            }
        }
    }
    # Credit-bound: stdin wakes us. Otherwise a tick that backs off while nothing grows, never
    # past the next heartbeat; watched, once a tick has passed with nothing new, the directory's
    # next change instead.
    my $left = $hb - (now() - $quiet_since);
    my $t = !$all && $oa + $ob >= $credit ? $left : ($tick < $left ? $tick : $left);
    if ($dir_watch && $all && $tick > 0.01) {
        wait_input($left, $dir_watch);
    }
    else {
        wait_input($t);
    }
    $tick = $tick * 2 < 0.25 ? $tick * 2 : 0.25;
}
