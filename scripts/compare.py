#!/usr/bin/env python3
"""Compare whole processes: run two or more commands alternately N times and report the median
wall time and median peak memory (max RSS) of each, and the ratios against the first (the anchor).

usage: compare.py [-n RUNS] -- 'anchor command' 'our command' [...]
"""
import argparse, os, shlex, statistics, subprocess, sys, tempfile, time


def measure(cmd):
    with tempfile.NamedTemporaryFile(mode="r", suffix=".time") as tf:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-o", tf.name, "-f", "%M"] + shlex.split(cmd),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"command failed ({proc.returncode}): {cmd}\n{proc.stderr.decode()[-2000:]}")
        rss_kib = int(tf.read().strip().splitlines()[-1])
    return wall, rss_kib


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=11)
    ap.add_argument("cmds", nargs="+")
    a = ap.parse_args()
    runs = {c: [] for c in a.cmds}
    for c in a.cmds:  # warm caches once
        measure(c)
    for _ in range(a.n):
        for c in a.cmds:
            runs[c].append(measure(c))
    base_w = base_m = None
    for c in a.cmds:
        w = statistics.median(r[0] for r in runs[c]) * 1000
        m = statistics.median(r[1] for r in runs[c]) / 1024
        if base_w is None:
            base_w, base_m = w, m
        print(f"{w:9.2f} ms  {m:7.1f} MiB  x{base_w / w:7.2f} faster  {base_m / m:6.2f}x less memory  {c}")


if __name__ == "__main__":
    main()
