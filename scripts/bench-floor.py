#!/usr/bin/env python3
"""bench-floor.py: the CLI's start-up floor, verbs that touch no network, for one or more builds.

Usage: scripts/bench-floor.py [--rounds N] [--state DIR --job ID] BINARY [BINARY...]

Every round runs each case once with each binary, the binaries' order reversed every other round
(A B, B A, ...), stdout and stderr to /dev/null, $SESSIONKEEPER_NO_DAEMON=1. Per binary and case it
prints the median wall time (around the process) and CPU (user + system of the process, from
wait4: exact, unlike /usr/bin/time's 10 ms ticks). Cases:
  --version;
  `jobs` on an empty state directory (made once, so the journal exists: the floor);
  with --state DIR (a state directory with jobs in it, e.g. one kept by bench-broker.sh --keep):
    `jobs` and `jobs --json` on it, and with --job ID, `status ID` (a finished job that the journal
    has settled is answered from it, with no connection).
The state directory is used as it is: the binaries must read the same journal schema.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time


def main():
    parser = argparse.ArgumentParser(description="the CLI's start-up floor, paired")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--state")
    parser.add_argument("--job")
    parser.add_argument("binaries", nargs="+")
    args = parser.parse_args()
    binaries = [os.path.realpath(b) for b in args.binaries]

    empty = tempfile.mkdtemp(prefix="sk-bench-floor-")
    cases = [("--version", ["--version"]), ("jobs, empty journal", ["--state-dir", empty, "jobs"])]
    if args.state:
        cases += [
            ("jobs", ["--state-dir", args.state, "jobs"]),
            ("jobs --json", ["--state-dir", args.state, "jobs", "--json"]),
        ]
        if args.job:
            cases.append((f"status {args.job}", ["--state-dir", args.state, "status", args.job]))

    env = dict(os.environ, SESSIONKEEPER_NO_DAEMON="1")
    devnull = os.open(os.devnull, os.O_RDWR)

    def run(binary, words):
        started = time.perf_counter()
        pid = os.posix_spawn(binary, [binary] + words, env, file_actions=[
            (os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status, usage = os.wait4(pid, 0)
        wall = (time.perf_counter() - started) * 1000
        if status != 0:
            sys.exit(f"bench-floor: {binary} {' '.join(words)} failed (wait status {status})")
        return wall, (usage.ru_utime + usage.ru_stime) * 1000

    for binary in binaries:
        run(binary, ["--state-dir", empty, "jobs"])  # creates the empty journal
    samples = {(b, name): ([], []) for b in binaries for name, _ in cases}
    for r in range(args.rounds):
        for name, words in cases:
            for binary in binaries if r % 2 == 0 else list(reversed(binaries)):
                wall, cpu = run(binary, words)
                samples[(binary, name)][0].append(wall)
                samples[(binary, name)][1].append(cpu)

    with open("/proc/loadavg") as load:
        print(f"{args.rounds} rounds, load average at the end: {' '.join(load.read().split()[:3])}")
    print("| case | " + " | ".join(f"{b}: wall / CPU ms" for b in binaries) + " |")
    print("|---|" + "---|" * len(binaries))
    for name, _ in cases:
        cells = [f"{statistics.median(samples[(b, name)][0]):.1f} / {statistics.median(samples[(b, name)][1]):.1f}" for b in binaries]
        print(f"| {name} | " + " | ".join(cells) + " |")

    for root, dirs, files in os.walk(empty, topdown=False):
        for f in files:
            os.unlink(os.path.join(root, f))
        for d in dirs:
            os.rmdir(os.path.join(root, d))
    os.rmdir(empty)


if __name__ == "__main__":
    main()
