#!/usr/bin/env bash
# The short benchmark report, in one command (about two minutes on a 2-core machine):
#   bench/report.sh
# Builds the bench module (mvn -q -pl bench -am package -Dmaven.test.skip=true), generates a temporary file under /tmp,
# prints which Ringfile backend runs (and why, if it fell back), measures sequential and random reads at a few
# queue depths on every engine, with fio's io_uring engine taking its turn at each point when fio is installed,
# then prints the table and writes bench/results/report.{csv,md,svg} (and fio.csv). The file is deleted at the end.
#
# Environment: RINGFILE_REPORT_SIZE (default 256m), RINGFILE_REPORT_SECONDS (measured seconds per point, 1.5),
# RINGFILE_REPORT_WARMUP (0.5), RINGFILE_REPORT_TMP (parent of the temporary directory, /tmp),
# RINGFILE_REPORT_OUT (where results go, bench/results), RINGFILE_SKIP_BUILD=1 to reuse bench/target/benchmarks.jar,
# JAVA_HOME to choose the JDK that runs it.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
jvm+=(-Xms512m -Xmx512m)

size="${RINGFILE_REPORT_SIZE:-256m}"
seconds="${RINGFILE_REPORT_SECONDS:-1.5}"
warmup="${RINGFILE_REPORT_WARMUP:-0.5}"
results="${RINGFILE_REPORT_OUT:-$here/results}"

fio_args=()
if command -v fio >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    fio_args=(--fio "$here/fio_compare.py")
else
    echo "== fio is not installed: the report has no fio ratios (install it with: apt-get install -y fio)"
fi

tmp="$(mktemp -d "${RINGFILE_REPORT_TMP:-/tmp}/ringfile-report.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$results"
echo "== measuring (JDK $feature)"
"$java" "${jvm[@]}" -cp "$jar" io.ringfile.bench.Report measure --dir "$tmp" --size "$size" \
    --warmup "$warmup" --seconds "$seconds" --out "$results" "${fio_args[@]}"
"$java" -cp "$jar" io.ringfile.bench.Report render --out "$results"
