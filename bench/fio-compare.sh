#!/usr/bin/env bash
# fio side by side: runs fio's io_uring engine with the same block size, queue depth and O_DIRECT flag as
# Ringfile's results and prints them as ratios of fio's.
#   bench/fio-compare.sh                                   # the JMH results in bench/target/results/jmh.json
#   bench/fio-compare.sh --jmh bench/target/results/jmh.json
#   bench/fio-compare.sh --report bench/target/results/report.csv [--file DATA]   # the short report's results
#   bench/fio-compare.sh --one --file DATA --rw randread --bs 4096 --qd 32 --direct 0
# Options: --runtime S (1.5), --ramp S (0.5), --out CSV, --tmpdir DIR (/tmp); --one also takes --numjobs N. bench/report.sh already runs fio
# between its engines; use this script for JMH results or to repeat the comparison.
# Builds the bench module first (RINGFILE_SKIP_BUILD=1 reuses bench/target/benchmarks.jar): the comparison is
# io.ringfile.bench.FioCompare, which reads fio's JSON output with Jackson. Relative paths are taken from the
# directory the script was started in.
# fio comes from the distribution: when it is missing and this runs as root with apt-get, it is installed with
# `apt-get install -y fio`; otherwise the script says how and stops.
set -euo pipefail

started_in="$PWD"

if ! command -v fio >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== fio is missing: apt-get install -y fio"
        apt-get install -y fio || { apt-get update && apt-get install -y fio; }
    else
        echo "fio is not installed. Install it with: sudo apt-get install -y fio   (Debian/Ubuntu)" >&2
        exit 2
    fi
fi
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # builds; sets $here, $java, $jar (and leaves the working directory)
cd "$started_in"

case " $* " in
    *" --report "* | *" --jmh "* | *" --one "*) ;;
    *) set -- --jmh "${RINGFILE_REPORT_OUT:-$here/target/results}/jmh.json" "$@" ;;
esac
exec "$java" -cp "$jar" io.ringfile.bench.FioCompare "$@"
