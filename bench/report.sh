#!/usr/bin/env bash
# The short benchmark report, in one command (about eight minutes on a 2-core machine):
#   bench/report.sh
# Builds the bench module (mvn -q -pl bench -am package -Dmaven.test.skip=true), generates a temporary file under /tmp,
# prints which Ringfile backend runs (and why, if it fell back), measures sequential and random reads at a few
# queue depths on every engine, with fio's io_uring engine taking its turn at each point when fio is installed,
# plus the extra runs of the targets table (issue 7), then prints the tables, the targets table last, and writes
# report.{csv,md,svg}, targets.csv, targets-points.csv (and fio.csv) to bench/target/results (untracked: a run leaves
# the checkout unmodified; RINGFILE_REPORT_OUT=bench/results writes over the committed example on purpose). The file
# is deleted at the end.
# Without JAVA_HOME, when the default java is older than 21, it runs on the newest JDK under /usr/lib/jvm (the
# virtual-thread row needs 21+) and says which.
#
# Environment: RINGFILE_REPORT_SIZE (default 256m), RINGFILE_REPORT_SECONDS (measured seconds per point, 1.5),
# RINGFILE_REPORT_WARMUP (0.5), RINGFILE_REPORT_TMP (parent of the temporary directory, /tmp),
# RINGFILE_REPORT_OUT (where results go, bench/target/results; relative to the repository root), RINGFILE_SKIP_BUILD=1
# to reuse bench/target/benchmarks.jar, JAVA_HOME to choose the JDK that runs it.
set -euo pipefail

# The command as run, for the report (the settings that differ from the defaults, then the script).
command_line=""
for v in JAVA_HOME RINGFILE_REPORT_SIZE RINGFILE_REPORT_SECONDS RINGFILE_REPORT_WARMUP RINGFILE_REPORT_TMP \
         RINGFILE_REPORT_OUT RINGFILE_SKIP_BUILD; do
    if [ -n "${!v:-}" ]; then command_line+="$v=${!v} "; fi
done
command_line+="bench/report.sh"

prefer_jdk=21 # the virtual-thread target row needs JDK 21+; lib.sh picks one when JAVA_HOME is unset
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
jvm+=(-Xms512m -Xmx512m)

size="${RINGFILE_REPORT_SIZE:-256m}"
seconds="${RINGFILE_REPORT_SECONDS:-1.5}"
warmup="${RINGFILE_REPORT_WARMUP:-0.5}"
results="${RINGFILE_REPORT_OUT:-$here/target/results}"

fio_args=()
if command -v fio >/dev/null 2>&1; then
    fio_args=(--fio "$(command -v fio)")
else
    echo "== fio is not installed: the report has no fio ratios (install it with: apt-get install -y fio)"
fi

tmp="$(mktemp -d "${RINGFILE_REPORT_TMP:-/tmp}/ringfile-report.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$results"
echo "== measuring (JDK $feature: $java)"
"$java" "${jvm[@]}" -cp "$jar" io.ringfile.bench.Report measure --dir "$tmp" --size "$size" \
    --warmup "$warmup" --seconds "$seconds" --out "$results" --command "$command_line" "${fio_args[@]}"
"$java" -cp "$jar" io.ringfile.bench.Report render --out "$results"
