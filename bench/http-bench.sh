#!/usr/bin/env bash
# The HTTP file-serving benchmark of issue 13, in one command:
#   bench/http-bench.sh
# Builds the bench module (with the file server and its Netty variants: io.ringfile.bench.http.HttpBenchServer), installs
# wrk (Debian package wrk) and FUSE's build dependencies where missing, makes the files under a temporary directory,
# then for each server mode starts the server on loopback and drives it with wrk, bounded in time:
#   row 1: 4 KiB and 64 KiB cached files, 64 connections: requests/s and p99;
#   row 2: a 64 MiB cached file, 8 connections: GiB/s;
#   row 3: 64 connections on the 4 KiB file while 4 connections fetch a 1 MiB file from the FUSE fault file system
#          (native-test/src/test/c/faultfs.c) in slow mode (every read of it waits SLOW_MS): p99 of the cached
#          requests, against their p99 in a run of the same server just before, without the slow connections.
# Modes: epoll-region (epoll + DefaultFileRegion, sendfile), uring-region (io_uring + DefaultFileRegion, Netty's
# splice), chunked (epoll + ChunkedNioFile), ringfile-hop (io_uring transport, StaticFiles on an engine with rings of
# its own: completions hop to the loop), ringfile-shared (StaticFiles on an engine built on the server's group).
# Writes http-bench.md (the tables with ratios, the command, the machine) and the raw wrk outputs in http-bench/, under
# bench/target/results (untracked; RINGFILE_REPORT_OUT=bench/results writes over the committed example on purpose).
# Needs root for the FUSE mount of row 3 (without it, row 3 says why it was skipped).
#
# SUITE=vertx runs the same rows against a Vert.x 5 server instead (issue 17; io.ringfile.bench.http.VertxBenchServer):
# vertx-uring and vertx-epoll (vertx.fileSystem()) against ringfile-uring and ringfile-epoll (RingfileFileSystem), small
# files and the slow file with readFile, the large file with AsyncFile.pipeTo; row 3 also runs with 32 slow connections,
# more than Vert.x's 20 internal blocking threads. Writes http-bench-vertx.md and http-bench-vertx/.
#
# Environment: DURATION (seconds per measured wrk run, 20), WARMUP (seconds of wrk before each, 5), LOOPS (the
# server's event loops, 2), WRK_THREADS (2), SLOW_MS (20), SUITE (netty or vertx), MODES (space-separated, all of the
# suite's by default), SLOW_CONNECTIONS (row 3's slow connection counts: "4", for SUITE=vertx "4 32"),
# RINGFILE_REPORT_OUT (bench/target/results), RINGFILE_SKIP_BUILD=1 to reuse bench/target/benchmarks.jar, JAVA_HOME.
set -euo pipefail

command_line=""
for v in JAVA_HOME DURATION WARMUP LOOPS WRK_THREADS SLOW_MS SUITE MODES SLOW_CONNECTIONS RINGFILE_REPORT_OUT \
         RINGFILE_SKIP_BUILD; do
    if [ -n "${!v:-}" ]; then command_line+="$v=${!v} "; fi
done
command_line+="bench/http-bench.sh"

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
jvm+=(-Xms1g -Xmx1g)

duration="${DURATION:-20}"
warmup="${WARMUP:-5}"
loops="${LOOPS:-2}"
wrk_threads="${WRK_THREADS:-2}"
slow_ms="${SLOW_MS:-20}"
suite="${SUITE:-netty}"
results="${RINGFILE_REPORT_OUT:-$here/target/results}"
case "$suite" in
    netty)
        modes="${MODES:-epoll-region uring-region chunked ringfile-hop ringfile-shared}"
        server=io.ringfile.bench.http.HttpBenchServer
        small_prefix="" large_prefix=""
        slow_connections="${SLOW_CONNECTIONS:-4}"
        report="$results/http-bench.md" raw="$results/http-bench" ;;
    vertx)
        modes="${MODES:-vertx-uring ringfile-uring vertx-epoll ringfile-epoll}"
        server=io.ringfile.bench.http.VertxBenchServer
        small_prefix="r/" large_prefix="p/" # readFile for small files, AsyncFile.pipeTo for the large one
        slow_connections="${SLOW_CONNECTIONS:-4 32}"
        report="$results/http-bench-vertx.md" raw="$results/http-bench-vertx" ;;
    *) echo "SUITE must be netty or vertx, not $suite" >&2; exit 2 ;;
esac

apt_install() {
    apt-get install -y "$@" >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y "$@" >/dev/null; }
}
if ! command -v wrk >/dev/null 2>&1; then
    echo "== installing wrk (apt-get install -y wrk)"
    apt_install wrk
fi

tmp="$(mktemp -d /tmp/ringfile-http-bench.XXXXXX)"
www="$tmp/www"
server_pid=""
fuse_pid=""
dropper_pid=""
cleanup() {
    [ -n "$dropper_pid" ] && kill "$dropper_pid" 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    if [ -n "$fuse_pid" ]; then
        fusermount3 -u "$www/slow" 2>/dev/null || umount -l "$www/slow" 2>/dev/null || true
        kill "$fuse_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$www" "$raw"
rm -f "$raw"/*.txt
head -c 4096 /dev/urandom > "$www/small-4k.bin"
head -c 65536 /dev/urandom > "$www/small-64k.bin"
head -c $((64 << 20)) /dev/urandom > "$www/large-64m.bin"
cat "$www"/*.bin > /dev/null # cached

# Row 3's slow file system: faultfs in FUSE direct-I/O mode, mounted at www/slow, every read delayed.
slow_reason=""
if [ "$(id -u)" != 0 ] || [ ! -e /dev/fuse ]; then
    slow_reason="needs root and /dev/fuse for the FUSE mount"
else
    if ! pkg-config --exists fuse3 2>/dev/null || ! command -v fusermount3 >/dev/null 2>&1 || ! command -v gcc >/dev/null; then
        echo "== installing FUSE build dependencies (apt-get install -y fuse3 libfuse3-dev pkg-config gcc)"
        apt_install fuse3 libfuse3-dev pkg-config gcc
    fi
    gcc "$(dirname "$here")/native-test/src/test/c/faultfs.c" $(pkg-config fuse3 --cflags --libs) -lpthread \
        -o "$tmp/faultfs"
    mkdir -p "$tmp/slow-backing" "$www/slow"
    head -c $((1 << 20)) /dev/urandom > "$tmp/slow-backing/slow-1m.bin"
    FAULTFS_DIRECT_IO=1 "$tmp/faultfs" "$tmp/slow-backing" "$www/slow" -f -o max_threads=16 >"$tmp/faultfs.log" 2>&1 &
    fuse_pid=$!
    for _ in $(seq 100); do
        grep -q " $www/slow fuse" /proc/mounts && break
        sleep 0.1
    done
    if grep -q " $www/slow fuse" /proc/mounts; then
        echo "read 0 0 -1 $slow_ms" > "$www/slow/.faultctl"
    else
        slow_reason="faultfs did not mount: $(cat "$tmp/faultfs.log")"
        fuse_pid=""
    fi
fi
fuse_reads() { # reads that reached faultfs so far
    sed -n 's/^read //p' "$www/slow/.faultctl"
}

echo "== wrk $(wrk --version 2>&1 | head -1 | cut -d' ' -f2); JDK $feature ($java); $(nproc) CPUs; ${duration} s per run"
port=18080
for mode in $modes; do
    port=$((port + 1))
    log="$raw/$mode.server.log"
    "$java" "${jvm[@]}" -cp "$jar" "$server" "$mode" "$www" "$port" "$loops" >"$log" 2>&1 &
    server_pid=$!
    for _ in $(seq 300); do
        grep -q '^ready' "$log" && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q '^ready' "$log"; then
        echo "== $mode did not start:"; cat "$log"
        kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""
        continue
    fi
    echo "== $(grep '^ready' "$log")"
    url="http://127.0.0.1:$port"
    run() { # name connections target
        wrk -t "$wrk_threads" -c "$2" -d "${warmup}s" "$url/$3" >/dev/null
        wrk --latency -t "$wrk_threads" -c "$2" -d "${duration}s" --timeout 10s "$url/$3" >"$raw/$mode.$1.txt"
        echo "   $1: $(grep -E 'Requests/sec|Transfer/sec' "$raw/$mode.$1.txt" | tr -s ' ' | tr '\n' ' ')"
    }
    run small-4k 64 "${small_prefix}small-4k.bin"
    run small-64k 64 "${small_prefix}small-64k.bin"
    run large-64m 8 "${large_prefix}large-64m.bin"
    if [ -z "$slow_reason" ]; then
        # splice and sendfile read a FUSE file through the page cache even in direct-I/O mode: drop the slow file
        # from it all along, so every way of serving it reaches the slow file system (counted below).
        ( while true; do dd if="$www/slow/slow-1m.bin" iflag=nocache count=0 status=none; sleep 0.02; done ) &
        dropper_pid=$!
        run small-4k-base 64 "${small_prefix}small-4k.bin" # the same load without the slow connections, just before
        for n in $slow_connections; do
            suffix="" # the first count's files keep the plain names; others are named after their count
            [ "$n" = "${slow_connections%% *}" ] || suffix="-$n"
            before=$(fuse_reads)
            wrk -t 1 -c "$n" -d "$((warmup + duration + 2))s" --timeout 30s "$url/${small_prefix}slow/slow-1m.bin" \
                >"$raw/$mode.slow$suffix.txt" &
            slow_wrk=$!
            sleep "$warmup"
            wrk --latency -t "$wrk_threads" -c 64 -d "${duration}s" --timeout 10s "$url/${small_prefix}small-4k.bin" \
                >"$raw/$mode.small-4k-with-slow$suffix.txt"
            wait "$slow_wrk" || true
            echo "fuse_reads $(( $(fuse_reads) - before ))" >>"$raw/$mode.slow$suffix.txt"
            echo "   small-4k with $n slow connections: $(grep -E 'Requests/sec' \
                "$raw/$mode.small-4k-with-slow$suffix.txt" | tr -s ' ') p99 $(awk '$1 == "99%" {print $2}' \
                "$raw/$mode.small-4k-with-slow$suffix.txt")"
        done
        kill "$dropper_pid" 2>/dev/null || true; wait "$dropper_pid" 2>/dev/null || true; dropper_pid=""
    fi
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
done

"$java" -cp "$jar" io.ringfile.bench.http.HttpReport --suite "$suite" --raw "$raw" --out "$report" \
    --command "$command_line" --modes "$modes" --duration "$duration" --slow-ms "$slow_ms" --loops "$loops" \
    --slow-skipped "$slow_reason" --slow-connections "$slow_connections"
cat "$report"
