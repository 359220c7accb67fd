# Shared by report.sh and run-jmh.sh (sourced, not run): builds the benchmarks jar unless RINGFILE_SKIP_BUILD=1,
# then sets $here, $jar, $java, $feature (the JDK's major version) and $jvm (flags every benchmark JVM needs).
# With prefer_jdk=N set by the caller, $java may be a newer JDK than the default (see below).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$(dirname "$here")"

if [ "${RINGFILE_SKIP_BUILD:-0}" != 1 ]; then
    echo "== building: mvn -q -pl bench -am package -Dmaven.test.skip=true"
    mvn -q -pl bench -am package -Dmaven.test.skip=true
fi
jar="$here/target/benchmarks.jar"
[ -f "$jar" ] || { echo "missing $jar: build first" >&2; exit 1; }

java_feature() {
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1
}
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
feature="$(java_feature "$java")"
# A script that sets prefer_jdk=N before sourcing (report.sh: 21, for virtual threads) runs on the newest JDK under
# /usr/lib/jvm when JAVA_HOME is unset and the default java is older than N. Chosen after the build, so that Maven
# keeps its usual JDK.
if [ -n "${prefer_jdk:-}" ] && [ -z "${JAVA_HOME:-}" ] && ! [ "${feature%%.*}" -ge "$prefer_jdk" ] 2>/dev/null; then
    best="" best_feature=0
    for candidate in /usr/lib/jvm/*/bin/java; do
        [ -x "$candidate" ] || continue
        f="$(java_feature "$candidate")"
        if [ "${f%%.*}" -gt "$best_feature" ] 2>/dev/null; then
            best="$candidate" best_feature="${f%%.*}"
        fi
    done
    if [ "$best_feature" -ge "$prefer_jdk" ]; then
        echo "== JDK: the default java is $feature; using the newest JDK under /usr/lib/jvm:" \
            "$(dirname "$(dirname "$best")") (JDK $best_feature; set JAVA_HOME to choose another)"
        java="$best" feature="$best_feature"
    else
        echo "== JDK: the default java is $feature and /usr/lib/jvm has no JDK $prefer_jdk+; rows that need it are skipped"
    fi
fi
jvm=()
if [ "${feature%%.*}" -ge 22 ] 2>/dev/null; then
    jvm+=(--enable-native-access=ALL-UNNAMED) # Netty loads its io_uring library through System.load (JEP 472)
fi
