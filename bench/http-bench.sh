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
# its own: completions hop to the loop), ringfile-shared (StaticFiles on an engine built on the server's group),
# ringfile-epoll (epoll transport, StaticFiles on an engine given that group: rings of its own, cached steps made on
# the loop).
# Writes http-bench.md (the tables with ratios, the command, the machine) and the raw wrk outputs in http-bench/, under
# bench/target/results (untracked; RINGFILE_REPORT_OUT=bench/results writes over the committed example on purpose).
# Needs root for the FUSE mount of row 3 (without it, row 3 says why it was skipped).
#
# SUITE=vertx runs the same rows against a Vert.x 5 server instead (issue 17; io.ringfile.bench.http.VertxBenchServer):
# vertx-uring and vertx-epoll (vertx.fileSystem()) against ringfile-uring and ringfile-epoll (RingfileFileSystem), small
# files and the slow file with readFile, the large file with AsyncFile.pipeTo; row 3 also runs with 32 slow connections,
# more than Vert.x's 20 internal blocking threads. Writes http-bench-vertx.md and http-bench-vertx/.
#
# The server and wrk run on CPUs of their own (taskset): on a 2-core machine the server gets CPU 0 and wrk CPU 1.
# Sharing the cores lets the scheduler decide the result: a server with more runnable threads (Vert.x's worker
# pool, say) takes CPU time from wrk, and requests/s then measure how the cores were split rather than what a request
# costs. Every mode is measured REPEATS times, the modes' order reversed on every other round so that drift on the
# machine falls on all of them alike. A round starts every mode's server (fresh JVMs, warmed one after another; all
# but the one measured are held stopped with SIGSTOP), runs row 1 row by row across the modes (each mode's 4 KiB
# figure, then each one's 64 KiB: a mode's figure and the next one's are seconds apart), then rows 2 and 3 mode by
# mode, and stops the servers. The report takes each row's median round (by requests/s; the head-of-line rows of a
# mode are kept together, the round with the median p99 ratio) and lists every round's figures below its tables.
#
# Environment: DURATION (seconds per measured wrk run, 10), WARMUP (seconds of wrk before each, 5), SERVER_WARMUP
# (seconds of wrk on the small and large files after each server start, before its first row, 20; another quarter
# of it with row 3's load, the slow file beside the small one), REPEATS (3),
# SERVER_CPUS and WRK_CPUS (taskset lists; by default the first half of the CPUs and the rest; PIN=0 for no pinning),
# LOOPS (the server's event loops: one per server CPU), WRK_THREADS (one per wrk CPU), SLOW_MS (20), SUITE (netty
# or vertx), MODES (space-separated, all of the suite's by default), SLOW_CONNECTIONS (row 3's slow connection counts:
# "4", for SUITE=vertx "4 32"), SLOW_PACE_MS (row 3: each slow connection waits this long after each response before
# its next request, so that servers that answer slow requests at different speeds get about the same slow work; 0,
# the default, for none), RINGFILE_REPORT_OUT (bench/target/results), RINGFILE_SKIP_BUILD=1 to reuse
# bench/target/benchmarks.jar, JAVA_HOME.
set -euo pipefail

command_line=""
for v in JAVA_HOME DURATION WARMUP SERVER_WARMUP REPEATS PIN SERVER_CPUS WRK_CPUS LOOPS WRK_THREADS SLOW_MS SUITE MODES \
         SLOW_CONNECTIONS SLOW_PACE_MS CHUNK_SIZE RINGFILE_REPORT_OUT RINGFILE_SKIP_BUILD; do
    if [ -n "${!v:-}" ]; then command_line+="$v=${!v} "; fi
done
command_line+="bench/http-bench.sh"

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
jvm+=(-Xms1g -Xmx1g)
# The Ringfile modes' piece size (StaticFiles.Builder.chunkSize); unset: its default.
if [ -n "${CHUNK_SIZE:-}" ]; then jvm+=("-Dringfile.bench.chunkSize=$CHUNK_SIZE"); fi

duration="${DURATION:-10}"
warmup="${WARMUP:-5}"
repeats="${REPEATS:-3}"
server_warmup="${SERVER_WARMUP:-20}"
cpus="$(nproc)"
server_cpus="" wrk_cpus=""
if [ "${PIN:-1}" != 0 ] && [ "$cpus" -ge 2 ]; then
    server_cpus="${SERVER_CPUS:-0-$((cpus / 2 - 1))}"
    wrk_cpus="${WRK_CPUS:-$((cpus / 2))-$((cpus - 1))}"
fi
cpu_count() { # how many CPUs a taskset list names ("" : all of them)
    [ -n "$1" ] || { echo "$cpus"; return; }
    local n=0 part
    for part in ${1//,/ }; do
        if [[ "$part" == *-* ]]; then n=$((n + ${part#*-} - ${part%-*} + 1)); else n=$((n + 1)); fi
    done
    echo "$n"
}
loops="${LOOPS:-$(cpu_count "$server_cpus")}"
wrk_threads="${WRK_THREADS:-$(cpu_count "$wrk_cpus")}"
pin_server=() # taskset execs the server: $! stays the server's pid
[ -z "$server_cpus" ] || pin_server=(taskset -c "$server_cpus")
wrk() { if [ -n "$wrk_cpus" ]; then taskset -c "$wrk_cpus" "$(type -P wrk)" "$@"; else command wrk "$@"; fi; }
slow_ms="${SLOW_MS:-20}"
slow_pace_ms="${SLOW_PACE_MS:-0}"
suite="${SUITE:-netty}"
results="${RINGFILE_REPORT_OUT:-$here/target/results}"
case "$suite" in
    netty)
        modes="${MODES:-epoll-region uring-region chunked ringfile-hop ringfile-shared ringfile-shared-splice ringfile-epoll}"
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
if ! type -P wrk >/dev/null 2>&1; then # (wrk is also this script's function)
    echo "== installing wrk (apt-get install -y wrk)"
    apt_install wrk
fi

tmp="$(mktemp -d /tmp/ringfile-http-bench.XXXXXX)"
pace=() # row 3's slow connections: wrk's delay() hook waits between a response and the next request
if [ "$slow_pace_ms" != 0 ]; then
    echo "function delay() return $slow_pace_ms end" >"$tmp/pace.lua"
    pace=(-s "$tmp/pace.lua")
fi
www="$tmp/www"
server_pid=""
declare -A pid_of=() url_of=() # the round's servers, by mode
fuse_pid=""
dropper_pid=""
cleanup() {
    [ -n "$dropper_pid" ] && kill "$dropper_pid" 2>/dev/null || true
    local mode
    for mode in "${!pid_of[@]}"; do kill -CONT "${pid_of[$mode]}" 2>/dev/null || true; done
    for mode in "${!pid_of[@]}"; do kill "${pid_of[$mode]}" 2>/dev/null || true; done
    for mode in "${!pid_of[@]}"; do wait "${pid_of[$mode]}" 2>/dev/null || true; done
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
# splice and sendfile read a FUSE file through the page cache even in direct-I/O mode: while the slow file is served,
# drop it from the cache all along, so every way of serving it reaches the slow file system (counted below).
start_dropper() {
    ( while true; do dd if="$www/slow/slow-1m.bin" iflag=nocache count=0 status=none; sleep 0.02; done ) &
    dropper_pid=$!
}
stop_dropper() { kill "$dropper_pid" 2>/dev/null || true; wait "$dropper_pid" 2>/dev/null || true; dropper_pid=""; }
fuse_reads() { # reads that reached faultfs so far
    sed -n 's/^read //p' "$www/slow/.faultctl"
}

# CPU time the server's process has used (user and system, every thread: loops, rings, GC, JIT), in microseconds.
clock_ticks="$(getconf CLK_TCK)"
server_cpu_us() { awk -v hz="$clock_ticks" '{printf "%.0f\n", ($14 + $15) * 1000000 / hz}' "/proc/$server_pid/stat"; }

echo "== wrk $(wrk --version 2>&1 | head -1 | cut -d' ' -f2); JDK $feature ($java); $cpus CPUs; ${duration} s per run;" \
    "$repeats rounds; server on CPUs ${server_cpus:-all} ($loops loops), wrk on CPUs ${wrk_cpus:-all} ($wrk_threads threads)"
port=18080
reversed_modes="$(echo "$modes" | tr ' ' '\n' | tac | tr '\n' ' ')"
stop_servers() {
    local mode
    for mode in "${!pid_of[@]}"; do kill -CONT "${pid_of[$mode]}" 2>/dev/null || true; done
    for mode in "${!pid_of[@]}"; do kill "${pid_of[$mode]}" 2>/dev/null || true; done
    for mode in "${!pid_of[@]}"; do wait "${pid_of[$mode]}" 2>/dev/null || true; done
    pid_of=() url_of=() server_pid=""
}
# Only the measured server runs: the others are stopped (SIGSTOP) in between, since an idle JVM still wakes its own
# threads on the server CPUs, which showed in the p99 of a server under measurement (2026-12-06 10:08).
pause_server() { sleep 2; kill -STOP "$1"; } # the JIT's queue drains first: it would resume under another's row
resume_server() { kill -CONT "$1"; }
run() { # name connections target: a row of the current mode (url, server_pid and round set by the caller)
    wrk -t "$wrk_threads" -c "$2" -d "${warmup}s" "$url/$3" >/dev/null
    local cpu_before; cpu_before=$(server_cpu_us)
    wrk --latency -t "$wrk_threads" -c "$2" -d "${duration}s" --timeout 10s "$url/$3" >"$(out "$1")"
    echo "server_cpu_us $(( $(server_cpu_us) - cpu_before ))" >>"$(out "$1")"
    echo "   $mode $1: $(grep -E 'Requests/sec|Transfer/sec' "$(out "$1")" | tr -s ' ' | tr '\n' ' ')"
}
out() { echo "$raw/$mode.$1.r$round.txt"; } # this round's wrk output of a row
for round in $(seq "$repeats"); do
  order="$modes"
  if [ $((round % 2)) = 0 ]; then order="$reversed_modes"; fi
  echo "== round $round of $repeats"
  # Every mode's server lives for the whole round (held stopped while another is measured), each started fresh and
  # warmed in turn: row 1 then measures the modes one after another, so that two modes' figures are seconds apart,
  # not minutes (the machine's speed drifts by 15-20% over tens of seconds), and rows 2 and 3 follow mode by mode.
  for mode in $order; do
    port=$((port + 1))
    log="$raw/$mode.server.log"
    "${pin_server[@]}" "$java" "${jvm[@]}" -cp "$jar" "$server" "$mode" "$www" "$port" "$loops" >"$log" 2>&1 &
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
    pid_of[$mode]=$server_pid
    url="http://127.0.0.1:$port"
    url_of[$mode]=$url
    # A fresh JVM on one core compiles for tens of seconds: warm every path before the first measured row, so that
    # the rows measure the server and not its JIT.
    wrk -t "$wrk_threads" -c 64 -d "$((server_warmup / 2))s" "$url/${small_prefix}small-4k.bin" >/dev/null
    wrk -t "$wrk_threads" -c 64 -d "$((server_warmup / 4))s" "$url/${small_prefix}small-64k.bin" >/dev/null
    wrk -t "$wrk_threads" -c 8 -d "$((server_warmup / 4))s" "$url/${large_prefix}large-64m.bin" >/dev/null
    if [ -z "$slow_reason" ]; then
        # Row 3 serves the slow file too: warm those paths the same way (the row's load, for a quarter of the
        # warm-up), or the JIT compiles them on the server's CPU while the row's cached requests are measured.
        start_dropper
        wrk -t 1 -c "${slow_connections%% *}" -d "$((server_warmup / 4))s" --timeout 30s "${pace[@]}" \
            "$url/${small_prefix}slow/slow-1m.bin" >/dev/null &
        slow_wrk=$!
        wrk -t "$wrk_threads" -c 64 -d "$((server_warmup / 4))s" "$url/${small_prefix}small-4k.bin" >/dev/null
        wait "$slow_wrk" || true
        stop_dropper
    fi
    pause_server "$server_pid"
  done
  for row in small-4k small-64k; do
    for mode in $order; do
      [ -n "${pid_of[$mode]:-}" ] || continue
      server_pid=${pid_of[$mode]} url=${url_of[$mode]}
      resume_server "$server_pid"
      run "$row" 64 "${small_prefix}$row.bin"
      pause_server "$server_pid"
    done
  done
  for mode in $order; do
    [ -n "${pid_of[$mode]:-}" ] || continue
    server_pid=${pid_of[$mode]} url=${url_of[$mode]}
    resume_server "$server_pid"
    run large-64m 8 "${large_prefix}large-64m.bin"
    if [ -z "$slow_reason" ]; then
        start_dropper
        run small-4k-base 64 "${small_prefix}small-4k.bin" # the same load without the slow connections, just before
        for n in $slow_connections; do
            suffix="" # the first count's files keep the plain names; others are named after their count
            [ "$n" = "${slow_connections%% *}" ] || suffix="-$n"
            before=$(fuse_reads)
            wrk -t 1 -c "$n" -d "$((warmup + duration + 2))s" --timeout 30s "${pace[@]}" \
                "$url/${small_prefix}slow/slow-1m.bin" >"$(out "slow$suffix")" &
            slow_wrk=$!
            sleep "$warmup"
            wrk --latency -t "$wrk_threads" -c 64 -d "${duration}s" --timeout 10s "$url/${small_prefix}small-4k.bin" \
                >"$(out "small-4k-with-slow$suffix")"
            wait "$slow_wrk" || true
            echo "fuse_reads $(( $(fuse_reads) - before ))" >>"$(out "slow$suffix")"
            echo "   $mode small-4k with $n slow connections: $(grep -E 'Requests/sec' \
                "$(out "small-4k-with-slow$suffix")" | tr -s ' ') p99 $(awk '$1 == "99%" {print $2}' \
                "$(out "small-4k-with-slow$suffix")")"
        done
        stop_dropper
    fi
    pause_server "$server_pid"
  done
  stop_servers
done

# Each row's median round becomes the row's file ($mode.$row.txt), which the report reads; every round's figures are
# listed after the report's tables.
rps_of() { awk '/^Requests\/sec/ {print $2; found = 1} END {if (!found) print 0}' "$1"; }
p99_us_of() { # wrk's 99% latency in microseconds (it prints us, ms or s)
    awk '$1 == "99%" {v = $2; m = 1; if (v ~ /us$/) m = 1; else if (v ~ /ms$/) m = 1000; else if (v ~ /m$/) m = 60e6;
        else if (v ~ /s$/) m = 1e6; gsub(/[a-z]+$/, "", v); printf "%.0f\n", v * m; found = 1}
        END {if (!found) print "inf"}' "$1"
}
median_round() { # "value round" lines on stdin: the round of the median value (the lower middle one when even)
    sort -g | awk '{r[NR] = $2} END {print r[int((NR + 1) / 2)]}'
}
rounds_table="$raw/rounds.md"
{
    echo "Every round (requests/s, p99), the median round marked with *: server on CPUs ${server_cpus:-all}, wrk on"
    echo "CPUs ${wrk_cpus:-all}; rounds alternate the modes' order."
    echo
    echo "| mode | row | $(seq -s ' | ' 1 "$repeats" | sed 's/[0-9]\+/round &/g') |"
    echo "|---|---|$(printf -- '---|%.0s' $(seq "$repeats"))"
} >"$rounds_table"
for mode in $modes; do
    for row in small-4k small-64k large-64m; do
        ls "$raw/$mode.$row".r*.txt >/dev/null 2>&1 || continue
        pick=$(for r in $(seq "$repeats"); do
            f="$raw/$mode.$row.r$r.txt"; if [ -f "$f" ]; then echo "$(rps_of "$f") $r"; fi; done | median_round)
        cp "$raw/$mode.$row.r$pick.txt" "$raw/$mode.$row.txt"
        cells=""
        for r in $(seq "$repeats"); do
            f="$raw/$mode.$row.r$r.txt"
            cell="-"
            if [ -f "$f" ]; then cell="$(rps_of "$f") ($(awk '$1 == "99%" {print $2}' "$f"))"; fi
            if [ "$r" = "$pick" ]; then cell="$cell *"; fi
            cells+=" $cell |"
        done
        echo "| $mode | $row |$cells" >>"$rounds_table"
    done
    ls "$raw/$mode.small-4k-base".r*.txt >/dev/null 2>&1 || continue
    first="${slow_connections%% *}"
    # The head-of-line files of one round stay together: the round whose p99 with the first count of slow
    # connections, over the p99 without them, is the median.
    pick=$(for r in $(seq "$repeats"); do
        base="$raw/$mode.small-4k-base.r$r.txt" with="$raw/$mode.small-4k-with-slow.r$r.txt"
        if [ -f "$base" ] && [ -f "$with" ]; then echo "$(awk -v a="$(p99_us_of "$with")" -v b="$(p99_us_of "$base")" \
            'BEGIN {if (a == "inf" || b == 0) print 1e18; else printf "%.6f\n", a / b}') $r"; fi; done | median_round)
    cells=""
    for r in $(seq "$repeats"); do
        base="$raw/$mode.small-4k-base.r$r.txt" with="$raw/$mode.small-4k-with-slow.r$r.txt"
        cell="-"
        if [ -f "$base" ] && [ -f "$with" ]; then
            cell="$(awk '$1 == "99%" {print $2}' "$base") -> $(awk '$1 == "99%" {print $2}' "$with")"
        fi
        if [ "$r" = "$pick" ]; then cell="$cell *"; fi
        cells+=" $cell |"
    done
    echo "| $mode | small-4k p99 without -> with $first slow |$cells" >>"$rounds_table"
    for f in "$raw/$mode".*.r"$pick".txt; do
        name="${f##*/}"; name="${name%.r$pick.txt}"
        case "$name" in "$mode.small-4k-base"|"$mode.small-4k-with-slow"*|"$mode.slow"*) cp "$f" "$raw/$name.txt" ;; esac
    done
done

"$java" -cp "$jar" io.ringfile.bench.http.HttpReport --suite "$suite" --raw "$raw" --out "$report" \
    --command "$command_line" --modes "$modes" --duration "$duration" --slow-ms "$slow_ms" --loops "$loops" \
    --slow-skipped "$slow_reason" --slow-connections "$slow_connections" --slow-pace-ms "$slow_pace_ms"
{ echo; cat "$rounds_table"; } >>"$report"
cat "$report"
