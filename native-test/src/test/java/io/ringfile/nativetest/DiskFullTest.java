package io.ringfile.nativetest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.ringfile.AsyncFile;
import io.ringfile.AsyncWriter;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.ringfile.nativetest.Engines.await;
import static io.ringfile.nativetest.Engines.failure;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A full disk, for real: a 1 MiB tmpfs with 64 inodes. On both backends a write past the space fails with
 * {@link FileSystemException} naming the path and "No space left on device", a short write is never reported as
 * complete, what did reach the file is intact, and the file handle stays usable once space is freed.
 */
@ExtendWith(LeakCheck.class)
@Timeout(120)
class DiskFullTest {
    private static final int CAPACITY = 1024 * 1024;
    private static final String ENOSPC = "No space left on device";
    private static Path mount;

    /** Why these tests cannot run here, or null: checked by each test (see {@link Native#setUp}). */
    private static String skipReason;

    @BeforeAll
    static void mountSmallTmpfs() throws Exception {
        skipReason = Native.setUp(() -> {
            Native.assumeLinuxRoot();
            Path dir = Files.createTempDirectory("ringfile-diskfull-");
            Native.Result result = Native.run(Duration.ofSeconds(30), null, "mount", "-t", "tmpfs", "-o",
                    "size=" + CAPACITY + ",nr_inodes=64", "ringfile-diskfull", dir.toString());
            if (result.exit != 0) {
                Files.delete(dir);
                Assumptions.abort("cannot mount a tmpfs here: " + result.output.strip());
            }
            mount = dir;
        });
    }

    @AfterAll
    static void unmount() throws IOException {
        if (mount != null) {
            Mounts.unmount(mount);
            Files.deleteIfExists(mount);
        }
    }

    @BeforeEach
    void emptyTheDisk() throws IOException {
        Native.assumeSetUp(skipReason);
        try (Stream<Path> files = Files.list(mount)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.delete(file);
            }
        }
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static void assertNoSpace(Throwable error, Path path) {
        FileSystemException e = assertInstanceOf(FileSystemException.class, error, () -> "got " + error);
        assertEquals(ENOSPC, e.getReason(), e::toString);
        assertEquals(path.toString(), e.getFile(), "the exception names the file");
    }

    /** The file holds a prefix of {@code data}, unchanged. */
    private static long assertPrefixIntact(Path path, byte[] data) throws IOException {
        byte[] onDisk = Files.readAllBytes(path);
        assertTrue(onDisk.length < data.length, "the file cannot hold everything: " + onDisk.length);
        assertArrayEquals(Arrays.copyOf(data, onDisk.length), onDisk, "what reached the file is intact");
        return onDisk.length;
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void writeFullyPastTheSpaceFailsNamingThePathAndKeepsTheHandleUsable(FileEngine.Backend backend)
            throws IOException {
        byte[] data = random(2 * CAPACITY);
        Path path = mount.resolve("full.bin");
        try (FileEngine engine = Engines.start(backend);
             AsyncFile file = Engines.open(engine.open(path, CREATE_NEW, READ, WRITE))) {
            ByteBuffer src = ByteBuffer.allocateDirect(data.length).put(data).flip();
            assertNoSpace(failure(file.writeFully(src, 0)), path);
            long kept = assertPrefixIntact(path, data);
            assertEquals(kept, src.position(), "the buffer advanced by exactly what reached the file");

            // The same handle works again once there is room.
            await(file.truncate(0));
            byte[] small = random(64 * 1024);
            assertEquals(small.length, await(file.writeFully(ByteBuffer.wrap(small), 0)));
            await(file.force(false));
            ByteBuffer back = ByteBuffer.allocate(small.length);
            assertEquals(small.length, await(file.readFully(back, 0)));
            assertArrayEquals(small, back.array());
            assertEquals(small.length, await(file.size()));
        }
        assertEquals(64 * 1024, Files.size(path));
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void aSingleWriteIsShortThenFailsButNeverReportsMoreThanWritten(FileEngine.Backend backend) throws IOException {
        byte[] data = random(2 * CAPACITY);
        Path path = mount.resolve("short.bin");
        try (FileEngine engine = Engines.start(backend);
             AsyncFile file = Engines.open(engine.open(path, CREATE_NEW, READ, WRITE))) {
            ByteBuffer src = ByteBuffer.allocateDirect(data.length).put(data).flip();
            long written = 0;
            Throwable error = null;
            for (int i = 0; i < 10 && error == null; i++) { // a short write, then ENOSPC
                Engines.Outcome<Integer> write = Engines.outcome(file.write(src, written));
                error = write.error;
                if (error == null) {
                    int n = write.value;
                    assertTrue(n > 0 && n < data.length, "a single write reports " + n);
                    written += n;
                    assertEquals(written, src.position(), "the buffer advances by what the write reports");
                }
            }
            assertNoSpace(error, path);
            assertTrue(written > 0, "tmpfs takes what fits before it refuses: a short write came first");
            assertTrue(written < data.length);
            assertEquals(written, assertPrefixIntact(path, data), "reported bytes are the bytes in the file");
            assertEquals(written, await(file.size()));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void heapBuffersAndByteBufsFailTheSameWayAndGiveTheirBufferBack(FileEngine.Backend backend) throws IOException {
        byte[] data = random(2 * CAPACITY); // heap buffers go through the engine in 1 MiB pieces
        Path heapPath = mount.resolve("heap.bin");
        Path bufPath = mount.resolve("buf.bin");
        try (FileEngine engine = Engines.start(backend)) {
            try (AsyncFile file = Engines.open(engine.open(heapPath, CREATE_NEW, READ, WRITE))) {
                ByteBuffer src = ByteBuffer.wrap(data);
                assertNoSpace(failure(file.writeFully(src, 0)), heapPath);
                assertEquals(assertPrefixIntact(heapPath, data), src.position());
            }
            Files.delete(heapPath);
            ByteBuf buf = Unpooled.directBuffer(data.length).writeBytes(data);
            try (AsyncFile file = Engines.open(engine.open(bufPath, CREATE_NEW, READ, WRITE))) {
                assertNoSpace(failure(file.writeFully(buf, 0)), bufPath);
                assertEquals(1, buf.refCnt(), "the engine gave the ByteBuf back after the failure");
                assertEquals(assertPrefixIntact(bufPath, data), buf.readerIndex());
            } finally {
                buf.release();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void anAtomicWritePastTheSpaceFailsNamingTheTargetAndLeavesTheOldFile(FileEngine.Backend backend)
            throws IOException {
        Path target = mount.resolve("config.bin");
        byte[] old = random(1000);
        Files.write(target, old);
        try (FileEngine engine = Engines.start(backend)) {
            assertNoSpace(failure(engine.writeAtomically(target, random(2 * CAPACITY))), target);
        }
        assertArrayEquals(old, Files.readAllBytes(target), "the old content is untouched");
        try (Stream<Path> files = Files.list(mount)) {
            assertEquals(List.of(target), files.collect(Collectors.toList()), "the temporary file is gone");
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void wholeFileWriteFailsAndCreatingFilesPastTheInodesFails(FileEngine.Backend backend) throws IOException {
        try (FileEngine engine = Engines.start(backend)) {
            Path big = mount.resolve("whole.bin");
            assertNoSpace(failure(engine.write(big, random(2 * CAPACITY))), big);
            Files.delete(big);

            Throwable error = null;
            Path last = null;
            for (int i = 0; i < 200 && error == null; i++) { // 64 inodes: creation fails well before 200
                last = mount.resolve("f" + i);
                Engines.Outcome<AsyncFile> open = Engines.outcome(engine.open(last, CREATE_NEW, WRITE));
                error = open.error;
                if (open.value != null) {
                    open.value.close();
                }
            }
            assertNoSpace(error, last);
        }
    }

    /**
     * The buffered text writer on a full disk: the call whose buffer write met ENOSPC fails with it, naming the file;
     * every later write, newLine and flush (the ones taken on the calling thread included) and the close fail with
     * the same exception; the file holds a prefix of the text, never text that was not written.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void aBufferedWriterFailsTheCallThatMetTheFullDiskAndEveryCallAfter(FileEngine.Backend backend)
            throws IOException {
        Path path = mount.resolve("lines.txt");
        StringBuilder text = new StringBuilder();
        try (FileEngine engine = Engines.start(backend)) {
            AsyncWriter writer = await(engine.newBufferedWriter(path));
            Throwable first = null;
            for (int i = 0; i < 1_000_000 && first == null; i++) {
                String line = "line " + i;
                text.append(line).append(System.lineSeparator());
                first = Engines.outcome(writer.write(line)).error;
                if (first == null) {
                    first = Engines.outcome(writer.newLine()).error;
                }
            }
            assertNoSpace(first, path);
            assertSame(first, failure(writer.write("x")), "a short plain write after the failure");
            assertSame(first, failure(writer.newLine()));
            assertSame(first, failure(writer.write("\u00e9".repeat(100_000))));
            assertSame(first, failure(writer.flush()));
            assertSame(first, failure(writer.closeAsync()), "the close reports the failure too");
        }
        String onDisk = Files.readString(path);
        assertTrue(onDisk.length() > CAPACITY / 2, "the disk was filled: " + onDisk.length() + " bytes");
        assertTrue(text.toString().startsWith(onDisk), "the file holds a prefix of the text written");
    }
}
