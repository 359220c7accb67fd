package io.ringfile.nativetest;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fallback under the real conditions that stop io_uring, each in a forked JVM running {@link FallbackProbe}:
 * the engine must pick NIO with a meaningful reason, pass a representative set of operations and the whole contract
 * suite there, refuse a required io_uring with a clear exception, and leave no thread or descriptor behind.
 *
 * <p>Each cause is checked against a control run without it, so the fallback is shown to come from that cause.
 */
class FallbackTest {
    private static final List<String> NO_FLAGS = List.of();
    private static final String[] ALL = {"auto", "require", "contract"};

    /** The control: the same probe with nothing blocking io_uring (run once, shared by the tests). */
    private static ProbeRun unrestricted;

    @TempDir
    Path work;

    /** Per test, so that each is reported skipped with the reason (see {@link Native#setUp}). */
    @BeforeEach
    void linuxOnly() {
        Native.assumeLinux();
    }

    private static synchronized ProbeRun unrestricted(Path work) {
        if (unrestricted == null) {
            unrestricted = ProbeRun.start("unrestricted", List.of(), ChildJvm.testClassPath(), NO_FLAGS,
                    work.resolve("unrestricted"), "auto", "require");
        }
        return unrestricted;
    }

    /** Skips a fallback test where io_uring does not run even unrestricted: the fallback would prove nothing. */
    private void assumeIoUringRunsUnrestricted() {
        ProbeRun control = unrestricted(work);
        Assumptions.assumeTrue("IO_URING".equals(control.info.get("backend")),
                () -> "io_uring does not run on this machine even unrestricted (" + control.info.get("reason")
                        + "), so a fallback test would prove nothing");
    }

    @Test
    @Timeout(300)
    void unrestrictedJvmRunsIoUringAndLeavesNothingBehindAfterClose() {
        ProbeRun control = unrestricted(work);
        Assumptions.assumeTrue("IO_URING".equals(control.info.get("backend")),
                () -> "io_uring does not run here: " + control.info.get("reason"));
        control.assertClean();
        assertEquals("-", control.info("reason"));
        for (String attempt : List.of("attempt0", "attempt1", "attempt2")) {
            assertEquals("built IO_URING", control.info("require." + attempt), control::toString);
        }
        assertTrue(control.passed.containsAll(List.of("requireLeavesNoThreads", "requireLeavesNoFds")),
                control::toString);
        assertEquals("0", control.info("ioUringFdsOpen"), "closed io_uring engines leave no ring open");
    }

    @Test
    @Timeout(300)
    void seccompEpermAsInDockerFallsBackToNio() {
        assumeIoUringRunsUnrestricted();
        ProbeRun run = underSeccomp(1);
        assertFallback(run, "Operation not permitted");
    }

    @Test
    @Timeout(300)
    void seccompEnosysAsOnAnOldKernelFallsBackToNio() {
        assumeIoUringRunsUnrestricted();
        ProbeRun run = underSeccomp(38);
        assertFallback(run, "Function not implemented");
    }

    private ProbeRun underSeccomp(int errno) {
        Path nouring = Native.nouring();
        ProbeRun run = ProbeRun.start("seccomp errno " + errno, List.of(nouring.toString(), "-e", "" + errno),
                ChildJvm.testClassPath(), NO_FLAGS, work.resolve("seccomp"), ALL);
        if (run.result.exit == 3 && run.result.output.contains("nouring: seccomp_")) {
            Assumptions.abort("seccomp filters cannot be installed here: " + run.result.output.strip());
        }
        return run;
    }

    @Test
    @Timeout(300)
    void lowMemlockLimitAsAnUnprivilegedUserFallsBackToNio() throws IOException {
        Native.assumeLinuxRoot(); // to switch to an unprivileged user; root itself is exempt from the limit
        assumeIoUringRunsUnrestricted();
        Path setpriv = Native.requireCommand("setpriv", "util-linux");
        Path prlimit = Native.requireCommand("prlimit", "util-linux");
        // The unprivileged user cannot read root's Maven repository: give it a world-readable copy of the class
        // path, and a work directory of its own.
        Path shared = Files.createTempDirectory("ringfile-nobody-");
        try {
            ChildJvm.setMode(shared, "rwxr-xr-x");
            List<String> classPath = ChildJvm.worldReadableCopy(ChildJvm.testClassPath(), shared.resolve("cp"));
            List<String> asNobody = List.of(setpriv.toString(), "--reuid=65534", "--regid=65534", "--clear-groups",
                    "--");
            Path control = userDir(shared.resolve("control"));
            ProbeRun unlimited = ProbeRun.start("unprivileged, default memlock limit", asNobody, classPath,
                    List.of("-Djava.io.tmpdir=" + control), control, "auto");
            unlimited.assertClean();
            Assumptions.assumeTrue("IO_URING".equals(unlimited.backend()), () -> "io_uring does not run for an"
                    + " unprivileged user even with the default memlock limit: " + unlimited.info("reason"));

            Path limited = userDir(shared.resolve("limited"));
            List<String> prefix = new java.util.ArrayList<>(List.of(prlimit.toString(), "--memlock=65536:65536"));
            prefix.addAll(asNobody);
            ProbeRun run = ProbeRun.start("unprivileged, memlock 64 KiB", prefix, classPath,
                    List.of("-Djava.io.tmpdir=" + limited), limited, ALL);
            assertEquals("65534", run.info("uid"), "the limited probe ran unprivileged");
            assertFallback(run, "Cannot allocate memory");
            assertTrue(run.info("reason").contains("memlock"), "the reason points at the memlock limit");
        } finally {
            ChildJvm.deleteTree(shared);
        }
    }

    private static Path userDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        Native.Result chown = Native.run(Duration.ofSeconds(30), null, "chown", "65534:65534", dir.toString());
        assertEquals(0, chown.exit, chown::toString);
        return dir;
    }

    @Test
    @Timeout(300)
    void nativeLibraryMissingFromTheClassPathFallsBackToNio() {
        assumeIoUringRunsUnrestricted();
        List<String> classPath = ChildJvm.testClassPathWithout(ChildJvm::isNativeIoUringJar);
        assertTrue(classPath.size() < ChildJvm.testClassPath().size(), "the native jar is on the test class path");
        ProbeRun run = ProbeRun.start("no native jar", List.of(), classPath, NO_FLAGS, work.resolve("nojar"), ALL);
        assertFallback(run, "netty_transport_native_io_uring");
    }

    @Test
    @Timeout(300)
    void noNativePropertyFallsBackToNio() {
        assumeIoUringRunsUnrestricted();
        ProbeRun run = ProbeRun.start("-Dio.netty.transport.noNative=true", List.of(), ChildJvm.testClassPath(),
                List.of("-Dio.netty.transport.noNative=true"), work.resolve("nonative"), ALL);
        assertFallback(run, "noNative");
    }

    /**
     * The checks every fallback shares: NIO with a reason containing {@code cause}; the representative operations
     * and the contract suite pass on NIO while the io_uring contract skips; requiring io_uring is refused with the
     * same cause, leaving no thread or descriptor behind.
     */
    private static void assertFallback(ProbeRun run, String cause) {
        run.assertClean();
        assertEquals("NIO", run.backend(), run::toString);
        String reason = run.info("reason");
        assertTrue(reason.startsWith("io_uring unavailable: ") && reason.contains(cause),
                () -> "fallback reason should name the cause (" + cause + "): " + reason);
        assertTrue(run.passed.containsAll(List.of("roundTrip", "wholeFile", "sizeTruncateForce", "missingFile",
                "closedFile", "engineThreadsEnd")), run::toString);

        Map<String, Integer> onFallback = run.contract("DefaultEngineContractTest");
        assertEquals(0, onFallback.get("failed"), run::toString);
        assertTrue(onFallback.get("found") >= 20 && onFallback.get("succeeded") >= onFallback.get("found") - 2,
                () -> "the contract suite ran on the fallback: " + onFallback + "\n" + run);
        Map<String, Integer> channels = run.contract("DefaultEngineChannelContractTest");
        assertEquals(0, channels.get("failed"), run::toString);
        assertTrue(channels.get("found") >= 20 && channels.get("succeeded") >= channels.get("found") - 3,
                () -> "the channel contract ran on the fallback: " + channels + "\n" + run);
        Map<String, Integer> onIoUring = run.contract("IoUringContractTest");
        assertEquals(0, onIoUring.get("failed"), run::toString);
        assertEquals(0, onIoUring.get("succeeded"), run::toString);
        assertEquals(onIoUring.get("found"), onIoUring.get("aborted"), "every io_uring contract test skips");
        assertTrue(run.info("contract.IoUringContractTest.skipReason").contains(cause), run::toString);

        for (String attempt : List.of("attempt0", "attempt1", "attempt2")) {
            assertEquals("refused", run.info("require." + attempt), run::toString);
            String message = run.info("require." + attempt + ".message");
            assertTrue(message.startsWith("io_uring unavailable: ") && message.contains(cause),
                    () -> "the exception says why: " + message);
            assertTrue(!"null".equals(run.info("require." + attempt + ".cause")), "the exception has a cause");
        }
        assertTrue(run.passed.containsAll(List.of("requireLeavesNoThreads", "requireLeavesNoFds")), run::toString);
        assertEquals("0", run.info("ioUringFdsOpen"), "no io_uring descriptor left open");
    }
}
