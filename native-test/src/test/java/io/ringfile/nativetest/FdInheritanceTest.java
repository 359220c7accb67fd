package io.ringfile.nativetest;

import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static io.ringfile.nativetest.Engines.await;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's rings and files do not leak into child processes. */
@ExtendWith(LeakCheck.class)
@Timeout(60)
class FdInheritanceTest {
    private static final int O_CLOEXEC = 02000000;

    @TempDir
    Path dir;

    /** Per test, so that each is reported skipped with the reason (see {@link Native#setUp}). */
    @BeforeEach
    void linuxOnly() {
        Native.assumeLinux();
    }

    /** Descriptors of process {@code pid} ("self" for this one) and what they point to. */
    private static Map<Integer, String> fds(String pid) throws IOException {
        Map<Integer, String> fds = new TreeMap<>();
        try (var entries = Files.newDirectoryStream(Path.of("/proc", pid, "fd"))) {
            for (Path entry : entries) {
                try {
                    fds.put(Integer.parseInt(entry.getFileName().toString()),
                            Files.readSymbolicLink(entry).toString());
                } catch (IOException ignored) {
                    // closed while listing
                }
            }
        }
        return fds;
    }

    private static boolean isEngineResource(String target, Path file) {
        return target.equals(file.toString()) || target.equals("anon_inode:[io_uring]");
    }

    /**
     * With a file open and a write done on each backend, a child started by ProcessBuilder holds none of the
     * engine's descriptors: no ring, no file, nothing but standard input, output and error.
     *
     * <p>The child is listed only once it can hold nothing but what it inherited. A program opens descriptors of its
     * own while it starts: after exec, the dynamic loader opens each shared library (libc on descriptor 3) and
     * closes it before {@code main}, and start-up code may read locale files. A child that has exec'd is therefore
     * not yet settled. This one ({@code sh -c 'echo ready; read line'}) prints "ready" from its main program, after
     * its start-up, and then blocks reading standard input, which the test keeps open until it has listed
     * {@code /proc/PID/fd}: from the "ready" line until then the child opens nothing.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void aChildProcessInheritsNoRingAndNoFile(FileEngine.Backend backend) throws Exception {
        Path path = dir.resolve("open.bin");
        try (FileEngine engine = Engines.start(backend);
             AsyncFile file = Engines.open(engine.open(path, CREATE_NEW, READ, WRITE))) {
            await(file.writeFully(ByteBuffer.wrap(new byte[4096]), 0));
            Map<Integer, String> mine = fds("self");
            assertTrue(mine.containsValue(path.toString()), "the engine holds the file open: " + mine);
            if (backend == FileEngine.Backend.IO_URING) {
                assertTrue(mine.containsValue("anon_inode:[io_uring]"), "the engine holds its rings: " + mine);
            }

            Process child = new ProcessBuilder("/bin/sh", "-c", "echo ready; read line").redirectErrorStream(true)
                    .start();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                // Bounded by the class's @Timeout: a child that never prints fails the test instead of hanging it.
                assertEquals("ready", out.readLine(), "the child's first line");
                Map<Integer, String> inherited = fds(Long.toString(child.pid()));
                for (Map.Entry<Integer, String> fd : inherited.entrySet()) {
                    assertFalse(isEngineResource(fd.getValue(), path),
                            "the child inherited fd " + fd.getKey() + " -> " + fd.getValue() + ": " + inherited);
                }
                assertEquals(List.of(0, 1, 2), List.copyOf(inherited.keySet()),
                        "the child has only standard input, output and error: " + inherited);
            } finally {
                child.getOutputStream().close(); // end of input: read returns and the shell exits
                if (!child.waitFor(10, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                    child.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /**
     * Stronger than the ProcessBuilder check, which the JDK passes by closing every descriptor in the child: every
     * descriptor the io_uring engine creates (rings, event fds, files) is close-on-exec, so it does not leak into
     * processes started any other way (native code calling fork and exec, for instance).
     */
    @Test
    void everyDescriptorTheIoUringEngineCreatesIsCloseOnExec() throws Exception {
        Path warm = dir.resolve("warm.bin");
        try (FileEngine engine = Engines.start(FileEngine.Backend.IO_URING)) { // loads the classes involved
            await(engine.open(warm, CREATE_NEW, READ, WRITE)).close();
        }
        Map<Integer, String> before = fds("self");
        Path path = dir.resolve("cloexec.bin");
        try (FileEngine engine = Engines.start(FileEngine.Backend.IO_URING);
             AsyncFile file = Engines.open(engine.open(path, CREATE_NEW, READ, WRITE))) {
            await(file.writeFully(ByteBuffer.wrap(new byte[16]), 0));
            Map<Integer, String> created = fds("self");
            created.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey()))
                    || e.getValue().startsWith("/proc/"));
            assertTrue(created.containsValue(path.toString()) && created.containsValue("anon_inode:[io_uring]"),
                    "the engine's rings and file are among the new descriptors: " + created);
            for (Map.Entry<Integer, String> fd : created.entrySet()) {
                int flags = -1;
                try {
                    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd.getKey()))) {
                        if (line.startsWith("flags:")) {
                            flags = Integer.parseInt(line.substring(6).trim(), 8);
                        }
                    }
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                assertTrue(flags >= 0 && (flags & O_CLOEXEC) != 0,
                        "fd " + fd.getKey() + " -> " + fd.getValue() + " is not close-on-exec (flags 0"
                                + Integer.toOctalString(flags) + ")");
            }
        }
    }
}
