#!/usr/bin/env bash
# The full JMH suite (long: about an hour, estimated, with the default parameters on a 2-core machine), JSON results in
# bench/target/results/jmh.json (untracked; RINGFILE_REPORT_OUT=DIR to write elsewhere, e.g. bench/results on purpose):
#   bench/run-jmh.sh                                  # everything
#   bench/run-jmh.sh RandomReadBenchmark -p cache=HOT # any JMH arguments: a benchmark regex, -p, -f, -wi, -i, -r ...
#   bench/run-jmh.sh HotPathBenchmark -prof gc        # allocation per read/write (gc.alloc.rate.norm, B/op)
# Builds the bench module first (RINGFILE_SKIP_BUILD=1 skips that). Per-operation latency percentiles are added by
# -prof io.ringfile.bench.LatencyProfiler. Test files go to a temporary directory under /tmp (RINGFILE_BENCH_TMP
# to change) that is deleted at the end. When fio is installed (and RINGFILE_FIO is not 0), fio then runs the
# same configurations and the results are printed as ratios of fio's (jmh-fio.csv beside jmh.json).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

data="$(mktemp -d "${RINGFILE_BENCH_TMP:-/tmp}/ringfile-bench.XXXXXX")"
trap 'rm -rf "$data"' EXIT
results="${RINGFILE_REPORT_OUT:-$here/target/results}"
mkdir -p "$results"

# JSON results go to RESULTS/jmh.json unless the arguments name another file with -rff.
json="$results/jmh.json"
result_args=(-rf json -rff "$json")
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    if [ "${args[$i]}" = -rff ] && [ $((i + 1)) -lt ${#args[@]} ]; then
        json="${args[$((i + 1))]}"
        result_args=(-rf json)
    fi
done

# JMH forks inherit the JVM options given here (-D..., --enable-native-access).
"$java" "${jvm[@]}" -Dringfile.bench.dir="$data" -jar "$jar" \
    "${result_args[@]}" -prof io.ringfile.bench.LatencyProfiler "$@"
rm -rf "$data"

if [ "${RINGFILE_FIO:-1}" != 0 ] && command -v fio >/dev/null 2>&1; then
    echo "== fio on the same configurations"
    "$java" -cp "$jar" io.ringfile.bench.FioCompare --jmh "$json" --tmpdir "${RINGFILE_BENCH_TMP:-/tmp}"
elif [ "${RINGFILE_FIO:-1}" != 0 ]; then
    echo "== fio is not installed: no fio ratios (apt-get install -y fio, then bench/fio-compare.sh)"
fi
