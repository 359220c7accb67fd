package io.ringfile.nativetest;

import io.ringfile.nativetest.ChildJvm.Jdk;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ringfile as a user's application gets it, on the class path and on the module path, on the running JDK and on
 * JDK 25: a tiny application module ({@code src/test/app}: {@code requires io.ringfile;} and a main class) is compiled
 * against the built jars and run in a forked JVM, {@code java -cp ... app.ModuleApp} or {@code java -p ... -m
 * app/app.ModuleApp}, with the flags README documents. Each run reports the backend that runs and its fallback
 * reason; the engine's log (java.util.logging, one line per record) is checked for the level and the text.
 */
@Timeout(300)
class ModulePathTest {
    /** The module of Netty's io_uring native jar; Netty 4.2.18's linux-aarch_64 jar declares the same name. */
    private static final String NATIVE_MODULE = "io.netty.transport.io_uring.linux.x86_64";
    private static final List<String> ADD_NATIVE_MODULE = List.of("--add-modules", NATIVE_MODULE);
    private static final String LOG_PREFIX = "[jul] ";
    /** One line per log record, level first, in English whatever the machine's locale. */
    private static final List<String> LOG_FORMAT = List.of("-Duser.language=en", "-Duser.country=US",
            "-Djava.util.logging.SimpleFormatter.format=" + LOG_PREFIX + "%4$s %3$s: %5$s%n");

    private static Path app;
    private static List<String> libraries;
    private static String nativeJar;
    /** Why these tests cannot run here, or null: checked by each test (see {@link Native#setUp}). */
    private static String skipReason;
    /** Per JDK feature version: the class-path run with everything present, the control for the others. */
    private static final Map<Integer, ProbeRun> CONTROLS = new ConcurrentHashMap<>();

    @TempDir
    Path work;

    static Stream<Jdk> jdks() {
        Jdk running = Jdk.running();
        return running.feature == 25 ? Stream.of(running) : Stream.of(running, Jdk.installed(25));
    }

    /** Compiles the application module against Ringfile's and Netty's modules, as a user's build would. */
    @BeforeAll
    static void compileTheApplication() throws Exception {
        skipReason = Native.setUp(() -> {
            Native.assumeLinux();
            List<String> testClassPath = ChildJvm.testClassPath();
            // The jar of this machine's architecture only, as README tells module-path users: Netty 4.2.18's
            // linux-aarch_64 jar declares the same module name as the linux-x86_64 one.
            String classifier = "aarch64".equals(System.getProperty("os.arch")) ? "linux-aarch_64" : "linux-x86_64";
            List<String> natives = testClassPath.stream().filter(ChildJvm::isNativeIoUringJar)
                    .filter(jar -> jar.endsWith("-" + classifier + ".jar")).collect(Collectors.toList());
            assertEquals(1, natives.size(), () -> "one " + classifier + " native io_uring jar on the test class path: "
                    + testClassPath);
            nativeJar = natives.get(0);
            libraries = ChildJvm.modulesOf(ChildJvm.testClassPathWithout(ChildJvm::isNativeIoUringJar));
            assertTrue(libraries.stream().anyMatch(e -> e.contains("engine")) && libraries.size() >= 7,
                    () -> "Ringfile's and Netty's modules on the test class path: " + libraries);

            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            Assumptions.assumeTrue(javac != null,
                    "the running Java has no compiler (a JRE?), so there is no application to run");
            Path sources = Path.of(System.getProperty("ringfile.nativetest.app", "src/test/app"));
            app = Native.TARGET.resolve("module-app");
            ChildJvm.deleteTree(app);
            Files.createDirectories(app);
            ByteArrayOutputStream messages = new ByteArrayOutputStream();
            int status = javac.run(null, messages, messages, "--release", "17", "-Xlint:all", "-Werror",
                    "-d", app.toString(), "--class-path", app.toString() /* not the test JVM's */,
                    "--module-path", String.join(File.pathSeparator, libraries),
                    sources.resolve("module-info.java").toString(), sources.resolve("app/ModuleApp.java").toString());
            assertEquals(0, status, () -> "javac failed:\n" + messages.toString(StandardCharsets.UTF_8));
        });
    }

    @BeforeEach
    void assumeCompiled() {
        Native.assumeSetUp(skipReason);
    }

    // ---------------------------------------------------------------- class path

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void classPathRunsIoUringWithTheDocumentedNativeAccessFlagAndNoWarning(Jdk jdk) {
        ProbeRun run = control(jdk);
        Assumptions.assumeTrue("IO_URING".equals(run.backend()),
                () -> "io_uring does not run here even on the class path: " + run.info("reason"));
        assertEquals("unnamed", run.info("ringfileModule"), run::toString);
        assertEquals("-", run.info("reason"), run::toString);
        assertNoNativeAccessWarning(run);
        assertRunsIoUringLogged(run);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void classPathWithoutTheNativeJarFallsBackSayingTheClassPathAtInfo(Jdk jdk) {
        ProbeRun run = classPath(jdk, "class path, no native jar", false, List.of());
        assertEquals("NIO", run.backend(), run::toString);
        String reason = run.info("reason");
        assertTrue(reason.contains("native library is not on the class path"), () -> "reason: " + reason);
        assertLogged(run, "INFO", "Ringfile engine 'ringfile' runs its NIO backend: " + reason);
    }

    // ---------------------------------------------------------------- module path

    /** README's module-path command: {@code --add-modules} the native module, native access for io.netty.common. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void modulePathWithTheDocumentedFlagsRunsIoUringWithoutAnyWarning(Jdk jdk) {
        assumeIoUringRuns(jdk);
        ProbeRun run = modulePath(jdk, "module path, --add-modules", true, ADD_NATIVE_MODULE);
        assertEquals("io.ringfile", run.info("ringfileModule"), run::toString);
        assertEquals("app", run.info("appModule"), run::toString);
        assertEquals("IO_URING", run.backend(), run::toString);
        assertEquals("-", run.info("reason"), run::toString);
        assertNoNativeAccessWarning(run);
        assertRunsIoUringLogged(run);
    }

    /**
     * The native jar is on the module path but nothing resolves its module (nothing can, short of the application:
     * see NativeModule), so Netty cannot see the library: Ringfile says so at WARNING, naming the jar and the one
     * flag that fixes it, which the test above shows working.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void modulePathWithTheNativeJarButWithoutAddModulesFallsBackWarningWithTheFix(Jdk jdk) {
        assumeIoUringRuns(jdk);
        ProbeRun run = modulePath(jdk, "module path", true, List.of());
        assertEquals("io.ringfile", run.info("ringfileModule"), run::toString);
        assertEquals("NIO", run.backend(), run::toString);
        String reason = run.info("reason");
        assertEquals("io_uring unavailable: Netty's io_uring native library is on the module path ("
                + Path.of(nativeJar).getFileName() + ") but its module " + NATIVE_MODULE + " is not resolved, since no"
                + " module requires it: add --add-modules " + NATIVE_MODULE + " to the java command", reason);
        assertLogged(run, "WARNING", "Ringfile engine 'ringfile' runs its NIO backend: " + reason);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void modulePathWithoutTheNativeJarFallsBackSayingTheModulePathAtInfo(Jdk jdk) {
        ProbeRun run = modulePath(jdk, "module path, no native jar", false, List.of());
        assertEquals("NIO", run.backend(), run::toString);
        String reason = run.info("reason");
        assertTrue(reason.contains("native library is not on the module path") && !reason.contains("class path"),
                () -> "reason: " + reason);
        assertTrue(reason.contains("netty-transport-native-io_uring") && reason.contains(NATIVE_MODULE),
                () -> "the reason names the jar and its module: " + reason);
        assertLogged(run, "INFO", "Ringfile engine 'ringfile' runs its NIO backend: " + reason);
    }

    // ---------------------------------------------------------------- native access (JEP 472)

    /**
     * Without a grant, JDK 24+ warns when Netty loads its library, and its warning names the grant that silences
     * it: the flags README documents are the ones the JDK asks for (and the runs above show they silence it).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void withoutANativeAccessGrantJdk24WarnsNamingTheDocumentedFlag(Jdk jdk) {
        jdk.assumePresent();
        Assumptions.assumeTrue(jdk.feature >= 24, () -> jdk + " does not warn about System.load (JEP 472, JDK 24+)");
        assumeIoUringRuns(jdk);
        ProbeRun onClassPath = run(jdk, "class path, no native access grant", false, true, List.of(), List.of());
        assertEquals("IO_URING", onClassPath.backend(), onClassPath::toString);
        assertTrue(onClassPath.result.output.contains("WARNING: Use --enable-native-access=ALL-UNNAMED"),
                onClassPath::toString);
        ProbeRun onModulePath = run(jdk, "module path, no native access grant", true, true, List.of(),
                ADD_NATIVE_MODULE);
        assertEquals("IO_URING", onModulePath.backend(), onModulePath::toString);
        assertTrue(onModulePath.result.output.contains("in module io.netty.common")
                        && onModulePath.result.output.contains("WARNING: Use --enable-native-access=io.netty.common"),
                onModulePath::toString);
    }

    // ---------------------------------------------------------------- helpers

    private static synchronized ProbeRun control(Jdk jdk) {
        jdk.assumePresent();
        return CONTROLS.computeIfAbsent(jdk.feature, feature -> {
            Path work = Native.TARGET.resolve("module-app-control");
            ChildJvm.deleteTree(work.resolve("app-" + feature + "-class-path"));
            return classPath(jdk, "class path", true, List.of(), work);
        });
    }

    /** Skips where io_uring does not run even on the class path: the module path could prove nothing. */
    private static void assumeIoUringRuns(Jdk jdk) {
        ProbeRun control = control(jdk);
        Assumptions.assumeTrue("IO_URING".equals(control.backend()), () -> "io_uring does not run here even on"
                + " the class path (" + control.info("reason") + "), so the module path could prove nothing");
    }

    private ProbeRun classPath(Jdk jdk, String scenario, boolean withNativeJar, List<String> flags) {
        return classPath(jdk, scenario, withNativeJar, flags, work);
    }

    private static ProbeRun classPath(Jdk jdk, String scenario, boolean withNativeJar, List<String> flags,
                                      Path work) {
        jdk.assumePresent();
        return run(jdk, scenario, false, withNativeJar, jdk.nativeAccess(false), flags, work);
    }

    private ProbeRun modulePath(Jdk jdk, String scenario, boolean withNativeJar, List<String> flags) {
        jdk.assumePresent();
        return run(jdk, scenario, true, withNativeJar, jdk.nativeAccess(true), flags, work);
    }

    private ProbeRun run(Jdk jdk, String scenario, boolean modulePath, boolean withNativeJar,
                         List<String> nativeAccess, List<String> flags) {
        return run(jdk, scenario, modulePath, withNativeJar, nativeAccess, flags, work);
    }

    /** {@code java [native access] [log format] [flags] -cp|-p APP:LIBRARIES[:NATIVE] ... WORK}. */
    private static ProbeRun run(Jdk jdk, String scenario, boolean modulePath, boolean withNativeJar,
                                List<String> nativeAccess, List<String> flags, Path work) {
        List<String> path = new ArrayList<>();
        path.add(app.toString());
        path.addAll(libraries);
        if (withNativeJar) {
            path.add(nativeJar);
        }
        List<String> command = new ArrayList<>(List.of(jdk.java(), "-Xmx256m"));
        command.addAll(nativeAccess);
        command.addAll(LOG_FORMAT);
        command.addAll(flags);
        if (modulePath) {
            command.addAll(List.of("-p", String.join(File.pathSeparator, path), "-m", "app/app.ModuleApp"));
        } else {
            command.addAll(List.of("-cp", String.join(File.pathSeparator, path), "app.ModuleApp"));
        }
        command.add(work.resolve("app-" + jdk.feature + "-" + scenario.replaceAll("[^A-Za-z0-9]+", "-")).toString());
        ProbeRun run = ProbeRun.run("JDK " + jdk.feature + ", " + scenario, command);
        run.assertClean();
        return run;
    }

    /** The engine's log records: one line each (see LOG_FORMAT), {@code LEVEL LOGGER: MESSAGE}. */
    private static List<String> logLines(ProbeRun run) {
        return run.result.output.lines().filter(l -> l.startsWith(LOG_PREFIX))
                .map(l -> l.substring(LOG_PREFIX.length())).collect(Collectors.toList());
    }

    /** When io_uring runs: one INFO line saying so (each engine says which backend it runs), nothing else. */
    private static void assertRunsIoUringLogged(ProbeRun run) {
        List<String> lines = logLines(run);
        assertTrue(lines.size() == 1 && lines.get(0).startsWith("INFO io.ringfile: Ringfile engine 'ringfile' runs"
                + " io_uring "), () -> "one INFO line, that io_uring runs\n" + run);
    }

    private static void assertLogged(ProbeRun run, String level, String message) {
        assertEquals(List.of(level + " io.ringfile: " + message), logLines(run), run::toString);
    }

    /** Neither JDK 24+'s warning about System.load nor a complaint about the flag itself (an unknown module). */
    private static void assertNoNativeAccessWarning(ProbeRun run) {
        assertFalse(run.result.output.contains("restricted method") || run.result.output.contains("native-access"),
                () -> "a native-access warning\n" + run);
    }
}
