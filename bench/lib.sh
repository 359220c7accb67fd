# Shared by report.sh and run-jmh.sh (sourced, not run): builds the benchmarks jar unless RINGFILE_SKIP_BUILD=1,
# then sets $here, $jar, $java, $feature (the JDK's major version) and $jvm (flags every benchmark JVM needs).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$(dirname "$here")"

if [ "${RINGFILE_SKIP_BUILD:-0}" != 1 ]; then
    echo "== building: mvn -q -pl bench -am package -Dmaven.test.skip=true"
    mvn -q -pl bench -am package -Dmaven.test.skip=true
fi
jar="$here/target/benchmarks.jar"
[ -f "$jar" ] || { echo "missing $jar: build first" >&2; exit 1; }

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
feature="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1)"
jvm=()
if [ "${feature%%.*}" -ge 22 ] 2>/dev/null; then
    jvm+=(--enable-native-access=ALL-UNNAMED) # Netty loads its io_uring library through System.load (JEP 472)
fi
