#!/usr/bin/env python3
"""Reads the wrk outputs of bench/http-bench.sh (RAW/MODE.RUN.txt) and writes the markdown report: per row, each
server mode's figures and its ratio to the best of the three Netty variants (row 3: each mode's p99 with the slow
connections over its p99 without them), and the targets of issue 13 judged on ringfile-shared; with --suite vertx,
the Vert.x tables of issue 17 (each Ringfile mode against Vert.x's own file system on the same transport)."""

import argparse
import os
import platform
import re

NETTY = ["epoll-region", "uring-region", "chunked"]
RINGFILE = "ringfile-shared"
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}
BYTES = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}


def parse(path):
    """Requests/s, bytes/s, p99 (ms), errors of one wrk --latency output, or None if the file is missing."""
    if not os.path.exists(path):
        return None
    text = open(path).read()
    out = {"rps": None, "bps": None, "p99": None, "errors": 0, "timeouts": 0, "fuse_reads": None, "requests": None}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        out["rps"] = float(m.group(1))
    m = re.search(r"Transfer/sec:\s+([\d.]+)([KMGT]?B)", text)
    if m:
        out["bps"] = float(m.group(1)) * BYTES[m.group(2)]
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    if m:
        out["p99"] = float(m.group(1)) * UNITS[m.group(2)]
    m = re.search(r"(\d+) requests in", text)
    if m:
        out["requests"] = int(m.group(1))
    for m in re.finditer(r"Non-2xx or 3xx responses: (\d+)", text):
        out["errors"] += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["errors"] += int(m.group(1)) + int(m.group(2)) + int(m.group(3))
        out["timeouts"] = int(m.group(4))
    if not out["requests"]:
        out["p99"] = None  # wrk prints 0.00us when nothing completed: no latency to speak of
    m = re.search(r"^fuse_reads (\d+)", text, re.M)
    if m:
        out["fuse_reads"] = int(m.group(1))
    return out


def fmt(x, digits=2):
    return "n/a" if x is None else ("%." + str(digits) + "f") % x


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--modes", required=True)
    ap.add_argument("--duration", required=True)
    ap.add_argument("--slow-ms", required=True)
    ap.add_argument("--loops", required=True)
    ap.add_argument("--slow-skipped", default="")
    ap.add_argument("--suite", default="netty", choices=["netty", "vertx"])
    ap.add_argument("--slow-connections", default="4")
    a = ap.parse_args()
    if a.suite == "vertx":
        vertx_report(a)
        return
    modes = a.modes.split()
    runs = {}
    for mode in modes:
        for run in ("small-4k", "small-64k", "large-64m", "small-4k-base", "small-4k-with-slow", "slow"):
            runs[(mode, run)] = parse(os.path.join(a.raw, "%s.%s.txt" % (mode, run)))

    def get(mode, run, key):
        r = runs.get((mode, run))
        return None if r is None else r[key]

    lines = ["# HTTP file serving: Ringfile against Netty's own ways (issue 13)", "",
             "Command: `%s` (%s s per measured wrk run, %s event loops, slow reads %s ms); %s, %d CPUs." % (
                 a.command, a.duration, a.loops, a.slow_ms, platform.platform(), os.cpu_count()),
             "Ratios are within this run: each Ringfile mode against the best Netty variant of the row. "
             "Errors are wrk's non-2xx responses and connect/read/write errors; timeouts are requests wrk gave up on "
             "after its timeout (10 s), which its latency percentiles leave out, so a p99 next to timeouts "
             "understates; n/a: no request completed.", ""]
    targets = []

    # Row 1
    for run, label in (("small-4k", "4 KiB"), ("small-64k", "64 KiB")):
        netty = [m for m in NETTY if get(m, run, "rps") is not None]
        best = max(netty, key=lambda m: get(m, run, "rps")) if netty else None
        lines += ["## Row 1: small cached file, %s, 64 connections" % label, "",
                  "| mode | requests/s | p99 ms | errors | timeouts | requests/s ÷ best Netty | p99 ÷ best Netty's p99 |",
                  "|---|---|---|---|---|---|---|"]
        for m in modes:
            rps, p99 = get(m, run, "rps"), get(m, run, "p99")
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                m, fmt(rps, 0), fmt(p99), get(m, run, "errors"), get(m, run, "timeouts"),
                fmt(ratio(rps, get(best, run, "rps") if best else None)),
                fmt(ratio(p99, get(best, run, "p99") if best else None))))
        lines += ["", "Best Netty variant: %s." % best, ""]
        r_rps = ratio(get(RINGFILE, run, "rps"), get(best, run, "rps") if best else None)
        r_p99 = ratio(get(RINGFILE, run, "p99"), get(best, run, "p99") if best else None)
        targets.append(("1 (%s) requests/s" % label, r_rps, ">= 1.0", r_rps is not None and r_rps >= 1.0))
        targets.append(("1 (%s) p99" % label, r_p99, "<= 1.0", r_p99 is not None and r_p99 <= 1.0))

    # Row 2
    run = "large-64m"
    netty = [m for m in NETTY if get(m, run, "bps") is not None]
    best = max(netty, key=lambda m: get(m, run, "bps")) if netty else None
    lines += ["## Row 2: large cached file, 64 MiB, 8 connections", "",
              "| mode | GiB/s | errors | GiB/s ÷ best Netty |", "|---|---|---|---|"]
    for m in modes:
        bps = get(m, run, "bps")
        lines.append("| %s | %s | %s | %s |" % (m, fmt(None if bps is None else bps / (1 << 30)),
                                              get(m, run, "errors"),
                                              fmt(ratio(bps, get(best, run, "bps") if best else None))))
    lines += ["", "Best Netty variant: %s." % best, ""]
    r2 = ratio(get(RINGFILE, run, "bps"), get(best, run, "bps") if best else None)
    targets.append(("2 GiB/s", r2, ">= 0.9", r2 is not None and r2 >= 0.9))

    # Row 3
    lines += ["## Row 3: head-of-line blocking", ""]
    if a.slow_skipped:
        lines += ["Skipped: %s." % a.slow_skipped, ""]
        targets.append(("3 p99 with slow ÷ without", None, "<= 2.0", False))
    else:
        lines += ["64 connections fetch the 4 KiB cached file while 4 connections fetch a 1 MiB file from faultfs "
                  "(every read waits %s ms; the file is dropped from the page cache every 20 ms so that splice and "
                  "sendfile reach the slow file system too). \"without\" is the same 64-connection load on the same "
                  "server just before, without the slow connections." % a.slow_ms, "",
                  "| mode | p99 ms without | p99 ms with slow | degradation (with ÷ without) | requests/s without "
                  "| requests/s with slow | timeouts with slow | slow responses | faultfs reads | errors |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for m in modes:
            base, slow = get(m, "small-4k-base", "p99"), get(m, "small-4k-with-slow", "p99")
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                m, fmt(base), fmt(slow),
                "none completed" if slow is None and get(m, "small-4k-with-slow", "requests") == 0
                else fmt(ratio(slow, base)), fmt(get(m, "small-4k-base", "rps"), 0),
                fmt(get(m, "small-4k-with-slow", "rps"), 0), get(m, "small-4k-with-slow", "timeouts"),
                get(m, "slow", "requests"), get(m, "slow", "fuse_reads"), get(m, "small-4k-with-slow", "errors")))
        lines.append("")
        r3 = ratio(get(RINGFILE, "small-4k-with-slow", "p99"), get(RINGFILE, "small-4k-base", "p99"))
        targets.append(("3 p99 with slow ÷ without", r3, "<= 2.0", r3 is not None and r3 <= 2.0))

    lines += ["## Targets (judged on %s)" % RINGFILE, "", "| row | ratio | target | verdict |", "|---|---|---|---|"]
    for name, value, target, ok in targets:
        lines.append("| %s | %s | %s | %s |" % (name, fmt(value), target,
                                                 "n/a" if value is None else "PASS" if ok else "MISS"))
    lines.append("")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(lines))


# Vert.x (issue 17): each RingfileFileSystem mode against Vert.x's own file system on the same transport.
VERTX_PAIRS = [("ringfile-uring", "vertx-uring"), ("ringfile-epoll", "vertx-epoll")]


def vertx_report(a):
    modes = a.modes.split()
    counts = a.slow_connections.split()
    suffixes = [(n, "" if i == 0 else "-" + n) for i, n in enumerate(counts)]
    runs = {}
    for mode in modes:
        names = ["small-4k", "small-64k", "large-64m", "small-4k-base"]
        for _, suffix in suffixes:
            names += ["small-4k-with-slow" + suffix, "slow" + suffix]
        for run in names:
            runs[(mode, run)] = parse(os.path.join(a.raw, "%s.%s.txt" % (mode, run)))

    def get(mode, run, key):
        r = runs.get((mode, run))
        return None if r is None else r[key]

    def partner(mode):
        for ours, theirs in VERTX_PAIRS:
            if mode == ours:
                return theirs
        return None

    lines = ["# HTTP file serving on Vert.x 5: RingfileFileSystem against vertx.fileSystem() (issue 17)", "",
             "Command: `%s` (%s s per measured wrk run, %s event loops, slow reads %s ms); %s, %d CPUs." % (
                 a.command, a.duration, a.loops, a.slow_ms, platform.platform(), os.cpu_count()),
             "Ratios are within this run: each Ringfile mode against Vert.x's own file system on the same transport "
             "(ringfile-uring ÷ vertx-uring, ringfile-epoll ÷ vertx-epoll). Small files and the slow file are served "
             "with `readFile`, the 64 MiB file with `AsyncFile.pipeTo`. Errors and timeouts as wrk counts them; a p99 "
             "next to timeouts understates; n/a: no request completed.", ""]
    targets = []

    for run, label, conns in (("small-4k", "4 KiB", 64), ("small-64k", "64 KiB", 64)):
        lines += ["## Row 1: small cached file, %s, %d connections, readFile" % (label, conns), "",
                  "| mode | requests/s | p99 ms | errors | timeouts | requests/s ÷ Vert.x's | p99 ÷ Vert.x's |",
                  "|---|---|---|---|---|---|---|"]
        for m in modes:
            other = partner(m)
            rps, p99 = get(m, run, "rps"), get(m, run, "p99")
            r_rps = ratio(rps, get(other, run, "rps")) if other else None
            r_p99 = ratio(p99, get(other, run, "p99")) if other else None
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                m, fmt(rps, 0), fmt(p99), get(m, run, "errors"), get(m, run, "timeouts"),
                fmt(r_rps) if other else "", fmt(r_p99) if other else ""))
            if other and other in modes:
                targets.append(("1 (%s, %s) requests/s" % (label, m), r_rps, ">= 1.0",
                                r_rps is not None and r_rps >= 1.0))
                targets.append(("1 (%s, %s) p99" % (label, m), r_p99, "<= 1.0", r_p99 is not None and r_p99 <= 1.0))
        lines.append("")

    run = "large-64m"
    lines += ["## Row 2: large cached file, 64 MiB, 8 connections, AsyncFile.pipeTo", "",
              "| mode | GiB/s | p99 ms | errors | GiB/s ÷ Vert.x's | p99 ÷ Vert.x's |", "|---|---|---|---|---|---|"]
    for m in modes:
        other = partner(m)
        bps, p99 = get(m, run, "bps"), get(m, run, "p99")
        r_bps = ratio(bps, get(other, run, "bps")) if other else None
        r_p99 = ratio(p99, get(other, run, "p99")) if other else None
        lines.append("| %s | %s | %s | %s | %s | %s |" % (
            m, fmt(None if bps is None else bps / (1 << 30)), fmt(p99), get(m, run, "errors"),
            fmt(r_bps) if other else "", fmt(r_p99) if other else ""))
        if other and other in modes:
            targets.append(("2 (%s) GiB/s" % m, r_bps, ">= 1.0", r_bps is not None and r_bps >= 1.0))
            targets.append(("2 (%s) p99" % m, r_p99, "<= 1.0", r_p99 is not None and r_p99 <= 1.0))
    lines.append("")

    lines += ["## Row 3: head-of-line blocking", ""]
    if a.slow_skipped:
        lines += ["Skipped: %s." % a.slow_skipped, ""]
    else:
        lines += ["64 connections fetch the 4 KiB cached file (readFile) while N connections fetch a 1 MiB file "
                  "from faultfs (every read waits %s ms; dropped from the page cache every 20 ms). \"without\" is "
                  "the same 64-connection load on the same server just before. Vert.x runs a blocking `readFile` on "
                  "its internal blocking pool (20 threads by default): with more slow connections than that, cached "
                  "requests queue behind slow ones." % a.slow_ms, "",
                  "| mode | slow connections | p99 ms without | p99 ms with slow | with ÷ without | p99 with slow "
                  "÷ Vert.x's | requests/s without | requests/s with slow | timeouts with slow | slow responses "
                  "| faultfs reads |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for m in modes:
            other = partner(m)
            base = get(m, "small-4k-base", "p99")
            for n, suffix in suffixes:
                slow = get(m, "small-4k-with-slow" + suffix, "p99")
                moved = ratio(slow, base)
                vs = ratio(slow, get(other, "small-4k-with-slow" + suffix, "p99")) if other else None
                none = slow is None and get(m, "small-4k-with-slow" + suffix, "requests") == 0
                lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    m, n, fmt(base), fmt(slow), "none completed" if none else fmt(moved),
                    fmt(vs) if other else "", fmt(get(m, "small-4k-base", "rps"), 0),
                    fmt(get(m, "small-4k-with-slow" + suffix, "rps"), 0),
                    get(m, "small-4k-with-slow" + suffix, "timeouts"), get(m, "slow" + suffix, "requests"),
                    get(m, "slow" + suffix, "fuse_reads")))
                if other and other in modes:
                    targets.append(("3 (%s, %s slow) p99 with slow" % (m, n), vs, "<= 1.0",
                                    vs is not None and vs <= 1.0))
        lines.append("")

    lines += ["## Targets (each Ringfile mode against Vert.x's own file system on its transport)", "",
              "| row | ratio | target | verdict |", "|---|---|---|---|"]
    for name, value, target, ok in targets:
        lines.append("| %s | %s | %s | %s |" % (name, fmt(value), target,
                                                 "n/a" if value is None else "PASS" if ok else "MISS"))
    lines.append("")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
