#!/usr/bin/perl
# subreaper.pl CMD [ARG...]: runs CMD as the child of a child subreaper (prctl
# PR_SET_CHILD_SUBREAPER) and reaps every process orphaned below it, until none is left.
#
# What for: a process's CPU time reaches its parent's cutime/cstime (/proc/PID/stat fields 16
# and 17) when the parent reaps it. Detached processes (setsid, double fork: SessionKeeper's
# wrapper and jobs, nohup'd work) are reparented to init and their CPU time is lost to any
# per-tree count. Under this reaper they are reparented here instead, so the CPU of everything
# CMD ever started is, at any moment: this process's cutime+cstime, plus CMD's own utime, stime,
# cutime and cstime while CMD runs, plus what is still running. The benchmarks run sshd -D
# under it to count the targets' CPU exactly on a machine that is busy with other work.
use strict;
use warnings;
use Config;
use POSIX qw(:sys_wait_h);

my %prctl = (x86_64 => 157, aarch64 => 167, i386 => 172, arm => 172);
my ($arch) = $Config{archname} =~ /^(x86_64|aarch64|i386|arm)/;
defined $arch or die "subreaper.pl: no prctl syscall number for $Config{archname}\n";
syscall($prctl{$arch}, 36, 1, 0, 0, 0) == 0 or die "subreaper.pl: prctl(PR_SET_CHILD_SUBREAPER): $!\n";

@ARGV or die "usage: subreaper.pl CMD [ARG...]\n";
my $child = fork() // die "subreaper.pl: fork: $!\n";
if ($child == 0) {
    exec { $ARGV[0] } @ARGV or die "subreaper.pl: exec $ARGV[0]: $!\n";
}
# Passed on to CMD, so that stopping the reaper stops the server.
$SIG{TERM} = sub { kill 'TERM', $child };
my $status = 0;
while (1) {
    my $pid = waitpid(-1, 0);
    if ($pid == -1) {
        last if $!{ECHILD};
        next;    # EINTR
    }
    $status = $? if $pid == $child;
}
exit(WIFEXITED($status) ? WEXITSTATUS($status) : 128 + WTERMSIG($status));
