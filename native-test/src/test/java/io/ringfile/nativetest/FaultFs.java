package io.ringfile.nativetest;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A running faultfs (src/test/c/faultfs.c) mount: a FUSE file system mirroring a backing directory that fails, cuts
 * short or slows down the operations its rules name. Mounted by {@link #mount}, taken down by {@link #close}.
 */
final class FaultFs implements AutoCloseable {
    /** How the mount caches file data. */
    enum Mode {
        /** FUSE direct I/O: every read and write reaches faultfs when the application makes it. */
        DIRECT_IO,
        /** The kernel's write-back cache: writes land in the page cache and reach faultfs later, as on a disk. */
        WRITEBACK
    }

    private final Path backing;
    private final Path mountPoint;
    private final Process server;
    private final Native.OutputCollector output;

    private FaultFs(Path backing, Path mountPoint, Process server, Native.OutputCollector output) {
        this.backing = backing;
        this.mountPoint = mountPoint;
        this.server = server;
        this.output = output;
    }

    /** Mounts faultfs under {@code base}; skips the test where FUSE cannot run. */
    static FaultFs mount(Path base, Mode mode) throws IOException, InterruptedException {
        return mount(base, mode, 0);
    }

    /**
     * As {@link #mount(Path, Mode)}, the kernel trusting a looked-up name for {@code entryTimeoutSeconds} (as most
     * FUSE file systems let it): a name looked up that recently is opened without asking faultfs about the name,
     * but the open itself still goes to faultfs.
     */
    static FaultFs mount(Path base, Mode mode, int entryTimeoutSeconds) throws IOException, InterruptedException {
        Native.assumeLinuxRoot();
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse: FUSE is not available here");
        Path tool = Native.faultfs();
        Path backing = Files.createDirectories(base.resolve("backing"));
        Path mountPoint = Files.createDirectories(base.resolve("mnt"));
        ProcessBuilder builder = new ProcessBuilder(tool.toString(), backing.toString(), mountPoint.toString(), "-f",
                "-o", "max_threads=16").redirectErrorStream(true);
        builder.environment().put(mode == Mode.DIRECT_IO ? "FAULTFS_DIRECT_IO" : "FAULTFS_WRITEBACK", "1");
        builder.environment().put("FAULTFS_ENTRY_TIMEOUT", Integer.toString(entryTimeoutSeconds));
        Process server = builder.start();
        Native.OutputCollector output = new Native.OutputCollector(server.getInputStream());
        if (!Mounts.awaitMounted(mountPoint, "fuse", Duration.ofSeconds(20), server)) {
            server.destroyForcibly();
            Mounts.unmount(mountPoint);
            Assumptions.abort("faultfs could not mount (is FUSE usable here?): "
                    + output.text(Duration.ofSeconds(5)).strip());
        }
        FaultFs fs = new FaultFs(backing, mountPoint, server, output);
        // A test JVM that exits without running the tests' cleanup (a surefire timeout) still takes the mount down.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (server.isAlive()) {
                Mounts.unmount(mountPoint);
                server.destroyForcibly();
            }
        }, "faultfs-unmount"));
        return fs;
    }

    /** A path inside the mount. */
    Path path(String name) {
        return mountPoint.resolve(name);
    }

    /** The same file in the backing directory, bypassing FUSE (and its page cache). */
    Path backing(String name) {
        return backing.resolve(name);
    }

    /** Adds a rule: {@code OP ERRNO AFTER TIMES DELAY_MS} (see faultfs.c). */
    void rule(String op, int errno, int after, int times, int delayMillis) {
        control(op + " " + errno + " " + after + " " + times + " " + delayMillis);
    }

    /** Removes every rule. */
    void clear() {
        control("clear");
    }

    private void control(String line) {
        try {
            Files.writeString(mountPoint.resolve(".faultctl"), line + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("faultfs refused '" + line + "'", e);
        }
    }

    /**
     * faultfs's counters: calls per operation that reached it, and "fired", the calls a rule applied to. Read with
     * one read call: faultfs makes the text anew for each read, so a second read (at the first one's end, as
     * {@code Files.readAllLines} makes) could return the tail of a longer text if a counter grew in between.
     */
    Map<String, Long> counters() {
        try (FileChannel ctl = FileChannel.open(mountPoint.resolve(".faultctl"), StandardOpenOption.READ)) {
            ByteBuffer text = ByteBuffer.allocate(4096);
            ctl.read(text, 0);
            Map<String, Long> counters = new HashMap<>();
            for (String line : new String(text.array(), 0, text.position(), StandardCharsets.US_ASCII).split("\n")) {
                String[] kv = line.split(" ");
                counters.put(kv[0], Long.parseLong(kv[1]));
            }
            return counters;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long fired() {
        return counters().get("fired");
    }

    /** Removes the rules, unmounts (lazily if busy) and stops the server; never throws. */
    @Override
    public void close() {
        try {
            clear();
        } catch (RuntimeException ignored) {
            // the server may already be gone
        }
        Mounts.unmount(mountPoint);
        try {
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
                server.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        String log;
        try {
            log = output.text(Duration.ZERO);
        } catch (InterruptedException e) {
            log = "?";
        }
        return "faultfs at " + mountPoint + " (log: " + log.strip() + ")";
    }
}
