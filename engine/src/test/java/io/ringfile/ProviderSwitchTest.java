package io.ringfile;

import io.ringfile.switching.ProviderSwitchProbe;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM-wide switch: {@code -Djava.nio.file.spi.DefaultFileSystemProvider=io.ringfile.RingfileFileSystemProvider}
 * in a fresh JVM ({@link ProviderSwitchProbe}), with Ringfile on the class path and on the module path. The probe
 * uses files only through {@code java.nio.file}; the proof that the I/O is Ringfile's: the channels are Ringfile's
 * classes, and threads caught waiting inside {@code Files.readAllBytes} and {@code Files.write} on FIFOs are waiting
 * inside Ringfile's channel.
 */
@Timeout(300)
class ProviderSwitchTest {
    private static final String SWITCH = "-Djava.nio.file.spi.DefaultFileSystemProvider="
            + RingfileFileSystemProvider.class.getName();
    private static final String CHANNEL = "io.ringfile.internal.channels.RingfileFileChannel";

    @TempDir
    Path dir;

    private static void assumeAvailable(FileEngine.Backend backend) {
        if (backend == FileEngine.Backend.IO_URING) {
            try (FileEngine engine = FileEngine.builder().backend(backend).build()) {
                assertEquals(backend, engine.backend());
            } catch (UnsupportedOperationException e) {
                Assumptions.abort("io_uring cannot run here: " + e.getMessage());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void onTheClassPathEveryFilesCallGoesThroughRingfile(FileEngine.Backend backend) throws Exception {
        assumeAvailable(backend);
        ChildJvm.Result child = ChildJvm.run(dir, List.of(SWITCH,
                "-Dringfile.backend=" + backend.name().toLowerCase(Locale.ROOT)), ProviderSwitchProbe.class,
                dir.toString());
        assertSwitched(child, backend);
    }

    @Test
    void onTheModulePathEveryFilesCallGoesThroughRingfile() throws Exception {
        assumeAvailable(FileEngine.Backend.IO_URING);
        List<String> modulePath = new ArrayList<>();
        List<String> classPath = new ArrayList<>();
        for (String entry : ChildJvm.classPath().split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (entry.endsWith("test-classes")) {
                classPath.add(entry); // the probe, in a package of its own
            } else if (name.equals("classes") || name.startsWith("ringfile-fallback-nio")
                    || name.startsWith("HdrHistogram-")
                    || (name.startsWith("netty-") && !name.contains("aarch_64") && !name.contains("tests"))) {
                modulePath.add(entry);
            }
        }
        assertTrue(modulePath.size() >= 3, "module path: " + modulePath);
        List<String> args = new ArrayList<>(List.of("--enable-native-access=io.netty.common", SWITCH,
                "-Dringfile.backend=io_uring", "-p", String.join(File.pathSeparator, modulePath),
                "--add-modules", "io.ringfile,io.netty.transport.io_uring.linux.x86_64",
                "-cp", String.join(File.pathSeparator, classPath), ProviderSwitchProbe.class.getName(),
                dir.toString()));
        ChildJvm.Result child = ChildJvm.java(dir, args);
        assertSwitched(child, FileEngine.Backend.IO_URING);
    }

    private static void assertSwitched(ChildJvm.Result child, FileEngine.Backend backend) {
        assertEquals(RingfileFileSystemProvider.class.getName(), child.get("PROVIDER"), child.toString());
        assertEquals("false", child.get("FILE-SYSTEM-IN-JAVA-BASE"), child.toString());
        for (String check : List.of("TEMP-DIRECTORY-IN-DEFAULT-FS", "CREATED-FILE-IN-DEFAULT-FS", "FILE-ROUND-TRIP",
                "URI-ROUND-TRIP", "WRITE-THEN-READALLBYTES", "READSTRING", "READALLLINES", "LINES",
                "BUFFERED-READER-WRITER", "STREAMS", "COPY-STREAMS", "FILECHANNEL-READ", "ASYNCHRONOUS-READ",
                "WATCH-SERVICE", "ZIP-FILE-SYSTEM")) {
            assertEquals("true", child.get(check), check + "\n" + child);
        }
        assertTrue(child.get("ENGINE-STARTED-IN-THE-BACKGROUND").startsWith(CHANNEL), child.toString());
        assertEquals("-1", child.get("MISMATCH"), child.toString());
        assertEquals(CHANNEL, child.get("FILECHANNEL-CLASS"), child.toString());
        assertEquals(CHANNEL, child.get("BYTECHANNEL-CLASS"), child.toString());
        assertEquals("io.ringfile.internal.channels.RingfileAsynchronousFileChannel", child.get("ASYNCHRONOUS-CLASS"),
                child.toString());
        assertEquals(backend.name(), child.get("BACKEND"), child.toString());
        assertEquals("ringfile data-ok", child.get("READALLBYTES-WAITS-IN"), child.toString());
        assertEquals("ringfile data-ok", child.get("WRITE-WAITS-IN"), child.toString());
        assertEquals("10 interrupted=true", child.get("INTERRUPTED-STREAM-READ"), "as the JDK's streams\n" + child);
        assertEquals("ClosedByInterruptException interrupted=true", child.get("INTERRUPTED-CHANNEL-READ"),
                "as the JDK's byte channels\n" + child);
        assertEquals("[archive.zip, copy, first, foo, in, out]", child.get("DIRECTORY-ENTRIES"), child.toString());
        if (backend == FileEngine.Backend.IO_URING) {
            assertFalse(child.get("RING-THREADS").equals("0"), child.toString());
        }
    }

    /** A default engine that cannot start leaves every file to the platform's provider, and says so. */
    @Test
    void whenTheDefaultEngineCannotStartThePlatformProviderServesAndAWarningSaysWhy() throws Exception {
        ChildJvm.Result child = ChildJvm.run(dir, List.of(SWITCH, "-Dringfile.backend=no-such-backend"),
                ProviderSwitchProbe.class, dir.toString(), "engine-cannot-start");
        assertEquals("sun.nio.ch.FileChannelImpl", child.get("FALLBACK-CHANNEL-CLASS"), child.toString());
        assertEquals("3", child.get("FALLBACK-READ"), child.toString());
        assertEquals("[1, 2, 3]", child.get("FALLBACK-READALLBYTES"), child.toString());
        assertTrue(child.output.contains("WARNING: Ringfile's default engine cannot start")
                && child.output.contains("ringfile.backend=no-such-backend"), child.toString());
        assertTrue(Files.isDirectory(dir));
    }
}
