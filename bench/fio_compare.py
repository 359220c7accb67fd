#!/usr/bin/env python3
"""Runs fio's io_uring engine on the same workloads as Ringfile's benchmarks and prints Ringfile's figures as
ratios of fio's. Called by fio-compare.sh; see that script for usage.

Inputs:
  --report CSV   the short report's bench/results/report.csv, with --file naming the data file it measured;
                 without --file fio runs on a new file of the size the report recorded.
  --jmh JSON     a JMH result file (-rf json); fio runs on a file of the same size (made here unless --file).
  --one          one fio run printed as a CSV line (the short report calls this between its engines); with
                 --numjobs N, N jobs of --qd each on the same file, summed (--group_reporting), labelled
                 "fio io_uring N jobs" with queueDepth N x qd.

For every distinct (workload, block size, queue depth, cache mode) fio runs once with the same block size, the same
iodepth and --direct=1 for O_DIRECT results; page-cache-hot results get --direct=0 --invalidate=0 on a file that
was read once before, so fio reads from the page cache as the Java engines did.
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

FIO_ENGINE = "fio io_uring"


def parse_size(text):
    s = str(text).strip().lower()
    for suffix in ("kib", "mib", "gib"):
        if s.endswith(suffix):
            s = s[:-2]
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    if s and s[-1] in units:
        return int(s[:-1]) * units[s[-1]]
    return int(s)


def human(n):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return "%d %s" % (n // size, unit)
    return "%d B" % n


def bs_label(bs):
    return "1m" if bs == 1 << 20 else "%dk" % (bs // 1024) if bs % 1024 == 0 else str(bs)


def make_file(path, size):
    block = bytearray(os.urandom(1 << 20))
    with open(path, "wb") as f:
        written = 0
        counter = 0
        while written < size:
            block[0:8] = counter.to_bytes(8, "little")
            n = min(len(block), size - written)
            f.write(block[:n])
            written += n
            counter += 1
        f.flush()
        os.fsync(f.fileno())


def warm(path):
    with open(path, "rb", buffering=0) as f:
        while f.read(1 << 20):
            pass


def run_fio(job, ramp, runtime):
    """Runs one fio job; returns a dict of ops_per_s, gib_per_s, p50/p99/p999 (total latency) and clat_p99 in
    microseconds."""
    cmd = ["fio", "--name=ringfile-compare", "--ioengine=io_uring", "--filename=" + job["file"],
           "--size=%d" % job["size"], "--bs=%d" % job["bs"], "--iodepth=%d" % job["qd"],
           "--direct=%d" % (1 if job["direct"] else 0), "--invalidate=0", "--lat_percentiles=1",
           "--percentile_list=50:99:99.9", "--output-format=json"]
    if job.get("numjobs", 1) > 1:
        cmd += ["--numjobs=%d" % job["numjobs"], "--group_reporting"]  # one summed result in jobs[0]
    rw = job["rw"]
    if rw == "write":
        cmd += ["--rw=write", "--end_fsync=1"]  # one pass and an fsync, timed together
    else:
        cmd += ["--time_based", "--runtime=%dms" % int(runtime * 1000), "--ramp_time=%dms" % int(ramp * 1000)]
        if rw == "randrw":
            cmd += ["--rw=randrw", "--rwmixread=70", "--fsync=64"]
        else:
            cmd += ["--rw=" + rw]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise RuntimeError("fio failed (%d): %s" % (out.returncode, out.stderr.strip() or out.stdout.strip()))
    text = out.stdout[out.stdout.index("{"):]
    data = json.loads(text)
    j = data["jobs"][0]
    ops = 0.0
    io_bytes = 0
    runtime_ms = 0
    lat = None
    clat = None
    mean_ns = 0.0
    for side in ("read", "write"):
        s = j[side]
        if s["io_bytes"] > 0:
            ops += s["iops"]
            io_bytes += s["io_bytes"]
            runtime_ms = max(runtime_ms, s["runtime"])
            if lat is None or side == "read":
                lat = s["lat_ns"].get("percentile", {})
                clat = s["clat_ns"].get("percentile", {})  # fio prints both with --lat_percentiles=1
                mean_ns = s["lat_ns"].get("mean", 0.0)
    lat = lat or {}
    clat = clat or {}
    gib = io_bytes / (runtime_ms / 1000.0) / (1 << 30) if runtime_ms else 0.0
    return {
        "ops_per_s": ops,
        "gib_per_s": gib,
        "p50": lat.get("50.000000", 0) / 1000.0,
        "p99": lat.get("99.000000", 0) / 1000.0,
        "p999": lat.get("99.900000", 0) / 1000.0,
        "mean": mean_ns / 1000.0,
        "clat_p99": clat.get("99.000000", 0) / 1000.0,
    }


def fmt_us(us):
    if not us:
        return "-"
    if us >= 1000:
        return "%.2f ms" % (us / 1000)
    return "%.0f us" % us if us >= 100 else "%.1f us" % us if us >= 10 else "%.2f us" % us


def fio_version():
    try:
        return subprocess.run(["fio", "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    except OSError:
        return "fio"


# ---- the short report's CSV

def from_report(args):
    rows = []
    with open(args.report) as f:
        for line in f:
            if line.startswith("#") or line.startswith("workload,") or not line.strip():
                continue
            rows.append(next(csv.reader([line])))
    tmp = None
    if not args.file:
        size = None
        with open(args.report) as f:
            for line in f:
                if line.startswith("# sizeBytes: "):
                    size = int(line.split(":")[1])
        if size is None:
            sys.exit("--file is needed: %s does not record the file size" % args.report)
        tmp = tempfile.mkdtemp(prefix="ringfile-fio-", dir=args.tmpdir)
        args.file = os.path.join(tmp, "data.bin")
        print("making %s test file %s" % (human(size), args.file), flush=True)
        make_file(args.file, size)
    try:
        report_with_file(args, rows)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def report_with_file(args, rows):
    size = os.path.getsize(args.file)
    configs = []
    results = {}
    for r in rows:
        key = (r[0], r[1], int(r[2]), int(r[3]))
        if key not in results:
            results[key] = {}
            configs.append(key)
        results[key][r[4]] = r
    engines = []
    for r in rows:
        if r[4] not in engines:
            engines.append(r[4])
    fio = {}
    print("fio: %s, io_uring engine, %s file %s, %.1f s per point after %.1f s ramp"
          % (fio_version(), human(size), args.file, args.runtime, args.ramp), flush=True)
    warmed = False
    for i, (workload, cache, bs, qd) in enumerate(configs, 1):
        direct = cache == "DIRECT"
        if not direct and not warmed:
            warm(args.file)
            warmed = True
        rw = "read" if workload == "seqread" else "randread"
        print("[%d/%d] fio %-8s %-6s %3s QD %-4d " % (i, len(configs), workload, cache, bs_label(bs), qd),
              end="", flush=True)
        res = run_fio({"file": args.file, "size": size, "bs": bs, "qd": qd, "direct": direct, "rw": rw},
                      args.ramp, args.runtime)
        fio[(workload, cache, bs, qd)] = res
        print(("%.2f GiB/s" % res["gib_per_s"]) if workload == "seqread"
              else ("%.0f k/s" % (res["ops_per_s"] / 1000)), " p99", fmt_us(res["p99"]), flush=True)
    with open(args.out, "w") as f:
        f.write("# %s, io_uring engine, --invalidate=0 (hot) or --direct=1, %.1f s per point\n"
                % (fio_version(), args.runtime))
        f.write("workload,cache,blockSize,queueDepth,engine,opsPerSec,gibPerSec,p50us,p99us,p999us,ops,"
                "allocBytesPerOp,meanUs,clatP99us\n")
        for (workload, cache, bs, qd), res in fio.items():
            f.write("%s,%s,%d,%d,%s,%.3f,%.3f,%.3f,%.3f,%.3f,%d,,%.3f,%.3f\n" % (
                workload, cache, bs, qd, FIO_ENGINE, res["ops_per_s"], res["gib_per_s"], res["p50"], res["p99"],
                res["p999"], int(res["ops_per_s"] * args.runtime), res["mean"], res["clat_p99"]))
    # ratio table
    print()
    print("Throughput as a ratio of fio's (same file, block size, queue depth and cache mode):")
    header = "%-9s %-6s %3s %4s %12s" % ("workload", "cache", "bs", "QD", "fio")
    for e in engines:
        header += " %*s" % (max(9, len(e)), e)
    print(header)
    for key in configs:
        workload, cache, bs, qd = key
        res = fio[key]
        seq = workload == "seqread"
        line = "%-9s %-6s %3s %4d %12s" % (workload, cache, bs_label(bs), qd,
                                          ("%.2f GiB/s" % res["gib_per_s"]) if seq
                                          else ("%.0f k/s" % (res["ops_per_s"] / 1000)))
        for e in engines:
            r = results[key].get(e)
            width = max(9, len(e))
            if r is None:
                line += " %*s" % (width, "-")
                continue
            mine = float(r[6]) if seq else float(r[5])
            theirs = res["gib_per_s"] if seq else res["ops_per_s"]
            line += " %*s" % (width, ("%.2fx" % (mine / theirs)) if theirs else "-")
        print(line)
    print("wrote", args.out)


# ---- JMH JSON

JMH_KINDS = {
    "SequentialReadBenchmark": "read",
    "RandomReadBenchmark": "randread",
    "MixedReadWriteBenchmark": "randrw",
    "SequentialWriteBenchmark": "write",
}


def from_jmh(args):
    with open(args.jmh) as f:
        results = json.load(f)
    rows = []
    skipped = set()
    for r in results:
        cls = r["benchmark"].split(".")[-2]
        kind = JMH_KINDS.get(cls)
        if kind is None:
            skipped.add(cls)
            continue
        p = r.get("params", {})
        size = parse_size(p.get("fileSize", "1g"))
        bs = int(p.get("blockSize", 4096))
        qd = int(p.get("queueDepth", 1))
        cache = p.get("cache", "HOT")
        if kind == "write":
            score = r.get("secondaryMetrics", {}).get("GiB", {}).get("score")
            unit = "GiB/s"
        elif kind == "read":
            score = r["primaryMetric"]["score"]
            unit = "GiB/s"
        else:
            score = r["primaryMetric"]["score"]
            unit = "ops/s"
        p99 = r.get("secondaryMetrics", {}).get("lat.p99", {}).get("score")
        rows.append({"cls": cls, "kind": kind, "engine": p.get("engine", "?"), "size": size, "bs": bs, "qd": qd,
                     "cache": cache, "score": score, "unit": unit, "p99": p99})
    if skipped:
        print("no fio equivalent, skipped:", ", ".join(sorted(skipped)))
    if not rows:
        print("nothing to compare in", args.jmh)
        return
    tmp = tempfile.mkdtemp(prefix="ringfile-fio-", dir=args.tmpdir)
    try:
        files = {}
        fio = {}
        keys = []
        for r in rows:
            key = (r["kind"], r["size"], r["bs"], r["qd"], r["cache"])
            if key not in keys:
                keys.append(key)
        print("fio: %s, io_uring engine, %d configurations, %.1f s per point" % (fio_version(), len(keys),
                                                                               args.runtime), flush=True)
        for i, key in enumerate(keys, 1):
            kind, size, bs, qd, cache = key
            direct = cache == "DIRECT"
            if kind in ("read", "randread"):
                path = args.file if args.file else files.get(size)
                if path is None:
                    path = os.path.join(tmp, "data-%d.bin" % size)
                    print("making %s test file %s" % (human(size), path), flush=True)
                    make_file(path, size)
                    files[size] = path
                if not direct:
                    warm(path)
            else:
                path = os.path.join(tmp, "%s-%d.bin" % (kind, size))
                if not os.path.exists(path):
                    make_file(path, size)
                if kind == "randrw":
                    warm(path)
            print("[%d/%d] fio %-8s %-6s bs %-3s QD %-4d " % (i, len(keys), kind, cache, bs_label(bs), qd),
                  end="", flush=True)
            res = run_fio({"file": path, "size": size, "bs": bs, "qd": qd, "direct": direct, "rw": kind},
                          args.ramp, args.runtime)
            fio[key] = res
            print(("%.2f GiB/s" % res["gib_per_s"]) if kind in ("read", "write")
                  else ("%.0f ops/s" % res["ops_per_s"]), " p99", fmt_us(res["p99"]), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print("JMH results as ratios of fio's (fio ran on a file of the same size, same block size, queue depth and"
          " cache mode):")
    print("%-25s %-6s %3s %4s %-20s %14s %14s %7s %10s %10s" % ("benchmark", "cache", "bs", "QD", "engine",
                                                                 "ringfile-bench", "fio", "ratio", "p99",
                                                                 "fio p99"))
    with open(args.out, "w") as f:
        f.write("benchmark,cache,blockSize,queueDepth,engine,score,fio,unit,ratio,p99us,fioP99us\n")
        for r in rows:
            res = fio[(r["kind"], r["size"], r["bs"], r["qd"], r["cache"])]
            theirs = res["gib_per_s"] if r["unit"] == "GiB/s" else res["ops_per_s"]
            ratio = r["score"] / theirs if r["score"] is not None and theirs else None
            print("%-25s %-6s %3s %4d %-20s %14s %14s %7s %10s %10s" % (
                r["cls"], r["cache"], bs_label(r["bs"]), r["qd"], r["engine"],
                "-" if r["score"] is None else ("%.2f %s" % (r["score"], r["unit"]) if r["unit"] == "GiB/s"
                                                else "%.0f %s" % (r["score"], r["unit"])),
                ("%.2f %s" % (theirs, r["unit"])) if r["unit"] == "GiB/s" else "%.0f %s" % (theirs, r["unit"]),
                "-" if ratio is None else "%.2fx" % ratio,
                fmt_us(r["p99"]) if r["p99"] else "-", fmt_us(res["p99"])))
            f.write("%s,%s,%d,%d,%s,%s,%.3f,%s,%s,%s,%.3f\n" % (
                r["cls"], r["cache"], r["bs"], r["qd"], r["engine"],
                "" if r["score"] is None else "%.3f" % r["score"], theirs, r["unit"],
                "" if ratio is None else "%.4f" % ratio, "" if not r["p99"] else "%.3f" % r["p99"], res["p99"]))
    print("wrote", args.out)


def one(args):
    """One fio run, printed as one CSV line of the short report's format (for Report measure --fio)."""
    if not args.file:
        sys.exit("--one needs --file")
    size = os.path.getsize(args.file)
    res = run_fio({"file": args.file, "size": size, "bs": args.bs, "qd": args.qd, "direct": args.direct == 1,
                   "rw": args.rw, "numjobs": args.numjobs}, args.ramp, args.runtime)
    workload = {"read": "seqread", "randread": "randread"}.get(args.rw, args.rw)
    engine = FIO_ENGINE if args.numjobs == 1 else "%s %d jobs" % (FIO_ENGINE, args.numjobs)
    print("%s,%s,%d,%d,%s,%.3f,%.3f,%.3f,%.3f,%.3f,%d,,%.3f,%.3f" % (
        workload, "DIRECT" if args.direct == 1 else "HOT", args.bs, args.qd * args.numjobs, engine,
        res["ops_per_s"], res["gib_per_s"], res["p50"], res["p99"], res["p999"], int(res["ops_per_s"] * args.runtime),
        res["mean"], res["clat_p99"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--report", help="the short report's CSV (bench/results/report.csv)")
    src.add_argument("--jmh", help="a JMH JSON result file (bench/results/jmh.json)")
    src.add_argument("--one", action="store_true", help="one fio run (--file --rw --bs --qd --direct), as CSV")
    ap.add_argument("--rw", default="randread", help="--one: read, randread, write or randrw")
    ap.add_argument("--bs", type=int, default=4096, help="--one: block size in bytes")
    ap.add_argument("--qd", type=int, default=1, help="--one: iodepth (per job)")
    ap.add_argument("--numjobs", type=int, default=1, help="--one: jobs on the same file, summed (default 1)")
    ap.add_argument("--direct", type=int, default=0, help="--one: 1 for O_DIRECT")
    ap.add_argument("--file", help="data file to read (report mode: the file the report measured)")
    ap.add_argument("--out", help="CSV to write (default: fio.csv or jmh-fio.csv beside the input)")
    ap.add_argument("--runtime", type=float, default=1.5, help="seconds measured per point (default 1.5)")
    ap.add_argument("--ramp", type=float, default=0.5, help="seconds of ramp before measuring (default 0.5)")
    ap.add_argument("--tmpdir", default="/tmp", help="where JMH mode makes its files (default /tmp)")
    args = ap.parse_args()
    if shutil.which("fio") is None:
        sys.exit("fio is not installed: apt-get install -y fio")
    if args.one:
        one(args)
    elif args.report:
        args.out = args.out or os.path.join(os.path.dirname(args.report) or ".", "fio.csv")
        from_report(args)
    else:
        args.out = args.out or os.path.join(os.path.dirname(args.jmh) or ".", "jmh-fio.csv")
        from_jmh(args)


if __name__ == "__main__":
    main()
