package io.ringfile.nativetest;

import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;
import io.ringfile.FileEngine.Backend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.MalformedInputException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bad input, row by row, on both backends: each row gives its documented exception, thrown at once (argument and
 * mode errors, as {@code AsynchronousFileChannel} throws them) or as the failure of the returned future (I/O and
 * state errors), and nothing hangs. Where a row names a reason, both backends must give the same reason.
 *
 * <p>Not in the table: "a length over Integer.MAX_VALUE worth of buffers" needs a scatter/gather call, and the API
 * has none (every transfer takes one buffer, whose size is an int).
 */
@ExtendWith(LeakCheck.class)
class BadInputTest {
    @TempDir
    Path dir;

    /** What a row needs: an engine, a file open for reading, one open for writing, a directory. */
    static final class Setting {
        final FileEngine engine;
        final Path dir;
        final Path file;
        final AsyncFile reader;
        final AsyncFile writer;

        Setting(FileEngine engine, Path dir) throws IOException {
            this.engine = engine;
            this.dir = dir;
            this.file = Files.write(dir.resolve("data.bin"), new byte[4096]);
            this.reader = Engines.await(engine.open(file, READ));
            this.writer = Engines.await(engine.open(file, WRITE));
        }
    }

    interface Action {
        Object run(Setting s) throws Exception;
    }

    /** One row: a name, the expected exception, an optional reason, and the call. */
    static final class Row {
        final String name;
        final Class<? extends Throwable> expected;
        final String reason;
        final Action action;

        Row(String name, Class<? extends Throwable> expected, String reason, Action action) {
            this.name = name;
            this.expected = expected;
            this.reason = reason;
            this.action = action;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Row> table() {
        return List.of(
                new Row("negative position", IllegalArgumentException.class, null,
                        s -> s.reader.read(ByteBuffer.allocate(8), -42)),
                new Row("position -1", IllegalArgumentException.class, null,
                        s -> s.writer.write(ByteBuffer.allocate(8), -1)),
                new Row("position -1 for readFully", IllegalArgumentException.class, null,
                        s -> s.reader.readFully(ByteBuffer.allocateDirect(8), -1)),
                new Row("a read whose end would pass Long.MAX_VALUE", FileSystemException.class, "Invalid argument",
                        s -> s.reader.read(ByteBuffer.allocateDirect(4096), Long.MAX_VALUE - 100)),
                new Row("a write whose end would pass Long.MAX_VALUE", FileSystemException.class, "Invalid argument",
                        s -> s.writer.write(ByteBuffer.allocateDirect(16), Long.MAX_VALUE - 8)),
                new Row("a write past the file system's largest file (1 PiB)", FileSystemException.class,
                        "File too large", s -> {
                            // ext4's limit is 16 TiB; other file systems (XFS, tmpfs) would accept the write.
                            Assumptions.assumeTrue("ext4".equals(Files.getFileStore(s.dir).type()),
                                    "the temporary directory is not on ext4");
                            return s.writer.write(ByteBuffer.allocateDirect(16), 1L << 50);
                        }),
                new Row("null buffer for a read", NullPointerException.class, null,
                        s -> s.reader.read((ByteBuffer) null, 0)),
                new Row("null buffer for a write", NullPointerException.class, null,
                        s -> s.writer.write((ByteBuffer) null, 0)),
                new Row("read-only buffer for a read", IllegalArgumentException.class, null,
                        s -> s.reader.read(ByteBuffer.allocate(8).asReadOnlyBuffer(), 0)),
                new Row("write on a file opened for reading", NonWritableChannelException.class, null,
                        s -> s.reader.write(ByteBuffer.allocate(8), 0)),
                new Row("truncate on a file opened for reading", NonWritableChannelException.class, null,
                        s -> s.reader.truncate(0)),
                new Row("read on a file opened for writing", NonReadableChannelException.class, null,
                        s -> s.writer.read(ByteBuffer.allocate(8), 0)),
                new Row("a directory opened for writing", FileSystemException.class, "Is a directory",
                        s -> s.engine.open(s.dir, WRITE)),
                new Row("a directory read", FileSystemException.class, "Is a directory",
                        s -> Engines.await(s.engine.open(s.dir, READ)).read(ByteBuffer.allocate(8), 0)),
                new Row("a directory read whole", FileSystemException.class, "Is a directory",
                        s -> s.engine.readAllBytes(s.dir)),
                new Row("a missing parent directory", NoSuchFileException.class, null,
                        s -> s.engine.open(s.dir.resolve("no/such/parent/file"), CREATE, WRITE)),
                new Row("a file name too long", FileSystemException.class, "File name too long",
                        s -> s.engine.open(s.dir.resolve("n".repeat(256)), CREATE, WRITE)),
                new Row("a path too long", FileSystemException.class, "File name too long",
                        s -> s.engine.size(s.dir.resolve("d/".repeat(2100) + "f"))),
                new Row("invalid UTF-8 for readString", MalformedInputException.class, null,
                        s -> s.engine.readString(Files.write(s.dir.resolve("bad.txt"), new byte[] {'a', (byte) 0xff}))),
                new Row("invalid UTF-8 for readAllLines", MalformedInputException.class, null,
                        s -> s.engine.readAllLines(Files.write(s.dir.resolve("bad2.txt"), new byte[] {(byte) 0xc3}))),
                new Row("a closed file", ClosedChannelException.class, null, s -> {
                    AsyncFile closed = Engines.await(s.engine.open(s.file, READ));
                    closed.close();
                    return closed.read(ByteBuffer.allocate(8), 0);
                }),
                new Row("a closed engine", ClosedFileSystemException.class, null, s -> {
                    FileEngine stopped = FileEngine.builder().backend(s.engine.backend()).build();
                    stopped.close();
                    return stopped.readAllBytes(s.file);
                }));
    }

    static Stream<Arguments> rows() {
        return Stream.of(Backend.IO_URING, Backend.NIO)
                .flatMap(backend -> table().stream().map(row -> Arguments.of(backend, row)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("rows")
    void badInputGivesItsDocumentedExceptionWithoutHanging(Backend backend, Row row) throws Exception {
        Assumptions.assumeTrue(Native.isLinux(), "the reasons in this table are Linux's error messages");
        try (FileEngine engine = Engines.start(backend)) {
            Setting setting = new Setting(engine, dir);
            Throwable error;
            try {
                Object result = row.action.run(setting);
                if (!(result instanceof CompletableFuture)) {
                    fail(row.name + ": no exception, got " + result);
                    return;
                }
                error = Engines.failure((CompletableFuture<?>) result); // fails the test if it hangs
            } catch (TestAbortedException skipped) {
                throw skipped;
            } catch (RuntimeException e) {
                error = e; // thrown at once, before anything was submitted
            }
            Throwable seen = error;
            assertInstanceOf(row.expected, seen, () -> row.name + ": expected " + row.expected.getSimpleName()
                    + ", got " + seen);
            if (row.reason != null) {
                assertEquals(row.reason, ((FileSystemException) seen).getReason(), row.name);
            }
            setting.reader.close();
            setting.writer.close();
        }
    }
}
