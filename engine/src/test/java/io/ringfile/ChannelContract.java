package io.ringfile;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The contract of the engine's {@link FileChannel} and {@link AsynchronousFileChannel}, run on every backend and
 * engine flavour through {@link ProviderContract}'s one-line subclasses ({@code *ChannelContractTest}): the cases the
 * JDK's own tests of those classes exercise (test/jdk/java/nio/channels in the OpenJDK repository), written anew.
 *
 * <p>Most cases are differential: one script runs on a channel the JDK opens and on one the engine opens, each on its
 * own copy of the same file, and the two transcripts (every value returned, every exception's type, the file's bytes
 * at the end) must be equal. The running JDK is the expectation, so rules that changed between JDK releases
 * (transferFrom past the end since 21, the size of a lock of size 0 since 22, transferTo on a pipe since 23) are
 * held to the JDK the suite runs on. Interrupts, asynchronous close, handler threads and virtual threads are checked
 * against the specification directly, with the JDK's channel run alongside where it shows the same.
 */
public abstract class ChannelContract extends ContractSupport {

    protected ChannelContract(FileEngine.Backend requested) {
        super(requested);
    }

    // ================================================================ differential scripts

    /** Opens a channel of the kind under test (the JDK's or the engine's). */
    protected interface Opener {
        FileChannel open(Path path, OpenOption... options) throws IOException;
    }

    /** A script run on both kinds of channel. */
    protected interface Script {
        void run(FileChannel channel, Opener opener, Path path, Transcript t) throws Exception;
    }

    /** What a script saw, one line per call: the value, or the exception's type. */
    protected static final class Transcript {
        final List<String> lines = new ArrayList<>();

        Object call(String label, Callable<?> call) {
            try {
                Object value = call.call();
                lines.add(label + " = " + describe(value));
                return value;
            } catch (Throwable e) {
                lines.add(label + " ! " + kind(e));
                return null;
            }
        }

        void note(String label, Object value) {
            lines.add(label + " = " + describe(value));
        }

        private static String describe(Object value) {
            if (value instanceof ByteBuffer) {
                ByteBuffer b = (ByteBuffer) value;
                return "buffer[" + b.position() + "/" + b.limit() + "/" + b.capacity() + "]";
            }
            if (value instanceof FileChannel) {
                return "the channel";
            }
            if (value instanceof FileLock) {
                FileLock lock = (FileLock) value;
                return "lock[" + lock.position() + "+" + lock.size() + (lock.isShared() ? " shared" : "") + "]";
            }
            if (value instanceof byte[]) {
                return "bytes[" + ((byte[]) value).length + ", crc " + checksumOf((byte[]) value) + "]";
            }
            return String.valueOf(value);
        }
    }

    /**
     * The type an exception is compared by. The engine names the file in its I/O errors
     * ({@code FileSystemException} "file: Illegal seek") where the JDK throws a bare {@code IOException}: both are
     * an I/O error of the kind the message says, so both count as {@code IOException} with their reason.
     */
    static String kind(Throwable e) {
        if (e.getClass() == FileSystemException.class) {
            return "IOException: " + ((FileSystemException) e).getReason();
        }
        if (e.getClass() == IOException.class) {
            return "IOException: " + e.getMessage();
        }
        return e.getClass().getName();
    }

    static long checksumOf(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    protected final Opener jdk = FileChannel::open;
    protected final Opener ours = (path, options) -> engine.newFileChannel(path, options);

    /**
     * Runs {@code script} on a JDK channel and on the engine's, each opened with {@code options} on its own file
     * holding {@code content}, and requires equal transcripts, the file's final bytes included.
     */
    protected void sameAsJdk(String name, byte[] content, Set<OpenOption> options, Script script) throws Exception {
        List<String> expected = transcript(jdk, name + "-jdk", content, options, script);
        List<String> actual = transcript(ours, name + "-ringfile", content, options, script);
        assertEquals(String.join("\n", expected), String.join("\n", actual),
                name + ": the engine's channel must do what the JDK's does");
        assertTrue(expected.size() > 1, "the script ran");
    }

    private List<String> transcript(Opener opener, String file, byte[] content, Set<OpenOption> options,
                                    Script script) throws Exception {
        Path path = dir.resolve(file);
        if (content != null) {
            Files.write(path, content);
        }
        Transcript t = new Transcript();
        FileChannel channel = opener.open(path, options.toArray(new OpenOption[0]));
        try {
            script.run(channel, opener, path, t);
        } finally {
            channel.close();
        }
        t.note("file", Files.exists(path) ? Files.readAllBytes(path) : null);
        return t.lines;
    }

    private static Set<OpenOption> options(OpenOption... options) {
        return new HashSet<>(Arrays.asList(options));
    }

    private static ByteBuffer bytes(int size, int seed) {
        return ByteBuffer.wrap(random(size, seed));
    }

    private static ByteBuffer direct(int size, int seed) {
        return ByteBuffer.allocateDirect(size).put(random(size, seed)).flip();
    }

    private static byte[] contentOf(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate().flip();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    // ================================================================ FileChannel: position, size, truncate

    @Test
    void positionSizeAndTruncateAsTheJdk() throws Exception {
        sameAsJdk("position", random(100, 1), options(READ, WRITE), (ch, opener, path, t) -> {
            t.call("position", ch::position);
            t.call("size", ch::size);
            t.call("write at position", () -> ch.write(bytes(10, 2)));
            t.call("position after write", ch::position);
            t.call("position(200)", () -> ch.position(200));
            t.call("read past the end", () -> ch.read(ByteBuffer.allocate(8)));
            t.call("position unchanged by the read", ch::position);
            t.call("size unchanged", ch::size);
            t.call("write past the end", () -> ch.write(bytes(5, 3)));
            t.call("size grown, with a hole", ch::size);
            t.call("position(3)", () -> ch.position(3));
            ByteBuffer four = ByteBuffer.allocate(4);
            t.call("read 4", () -> ch.read(four));
            t.note("read 4 content", contentOf(four));
            t.call("position", ch::position);
            t.call("truncate(150), position below", () -> ch.truncate(150));
            t.call("position kept", ch::position);
            t.call("size", ch::size);
            t.call("position(140)", () -> ch.position(140));
            t.call("truncate(120), position above", () -> ch.truncate(120));
            t.call("position moved to the size", ch::position);
            t.call("position(300)", () -> ch.position(300));
            t.call("truncate(1000), larger: no change", () -> ch.truncate(1000));
            t.call("size not grown", ch::size);
            t.call("position moved back to 1000? no: 300 is below", ch::position);
            t.call("truncate(120), same size", () -> ch.truncate(120));
            t.call("position", ch::position);
            t.call("position(-1)", () -> ch.position(-1));
            t.call("truncate(-1)", () -> ch.truncate(-1));
            t.call("read(null) at the position", () -> ch.read((ByteBuffer) null));
            t.call("write(null) at the position", () -> ch.write((ByteBuffer) null));
            t.call("read into a read-only buffer", () -> ch.read(ByteBuffer.allocate(1).asReadOnlyBuffer()));
            t.call("read into a full buffer", () -> ch.read(ByteBuffer.allocate(0)));
            t.call("write an empty buffer", () -> ch.write(ByteBuffer.allocate(0)));
            t.call("force(false)", () -> {
                ch.force(false);
                return "forced";
            });
            t.call("force(true)", () -> {
                ch.force(true);
                return "forced";
            });
        });
    }

    @Test
    void positionalReadsAndWritesAtAndPastTheEndAsTheJdk() throws Exception {
        sameAsJdk("positional", random(1000, 4), options(READ, WRITE), (ch, opener, path, t) -> {
            for (long at : new long[] {0, 500, 990, 999, 1000, 1001, 5000}) {
                ByteBuffer heap = ByteBuffer.allocate(16);
                t.call("heap read at " + at, () -> ch.read(heap, at));
                t.note("content", contentOf(heap));
                ByteBuffer direct = ByteBuffer.allocateDirect(16);
                t.call("direct read at " + at, () -> ch.read(direct, at));
                t.note("content", contentOf(direct));
            }
            t.call("position untouched", ch::position);
            t.call("read into a full buffer at the end", () -> ch.read(ByteBuffer.allocate(0), 1000));
            t.call("read into a full buffer past the end", () -> ch.read(ByteBuffer.allocate(0), 2000));
            t.call("write at 1000", () -> ch.write(bytes(7, 5), 1000));
            t.call("write at 3000, leaving a hole", () -> ch.write(direct(9, 6), 3000));
            t.call("size", ch::size);
            ByteBuffer hole = ByteBuffer.allocate(32);
            t.call("read the hole", () -> ch.read(hole, 2000));
            t.note("hole content", contentOf(hole));
            t.call("write at 0 of a heap buffer over 1 MiB", () -> ch.write(bytes(3 << 20, 7), 0));
            t.call("read at 0 of 2 MiB, direct", () -> ch.read(ByteBuffer.allocateDirect(2 << 20), 0));
            t.call("read(null, 0)", () -> ch.read(null, 0));
            t.call("read(buffer, -1)", () -> ch.read(ByteBuffer.allocate(1), -1));
            t.call("read(null, -1)", () -> ch.read(null, -1));
            t.call("read(read-only, 0)", () -> ch.read(ByteBuffer.allocate(1).asReadOnlyBuffer(), 0));
            t.call("write(null, 0)", () -> ch.write(null, 0));
            t.call("write(buffer, -1)", () -> ch.write(ByteBuffer.allocate(1), -1));
            t.call("position still", ch::position);
        });
    }

    @Test
    void aHeapWriteLargerThanOneMiBAtThePositionWritesAllOfIt() throws Exception {
        sameAsJdk("large", null, options(CREATE, WRITE, READ), (ch, opener, path, t) -> {
            t.call("write 5 MiB + 3 from the heap", () -> ch.write(bytes((5 << 20) + 3, 8)));
            t.call("position", ch::position);
            ByteBuffer[] many = new ByteBuffer[3];
            for (int i = 0; i < many.length; i++) {
                many[i] = bytes((1 << 20) + i * 1000, 9 + i);
            }
            t.call("gathering write of 3 MiB", () -> ch.write(many));
            t.call("position", ch::position);
            t.call("size", ch::size);
        });
    }

    @Test
    void appendWritesAtTheEndAndThePositionIsTheSizeAsTheJdk() throws Exception {
        sameAsJdk("append", random(100, 10), options(APPEND), (ch, opener, path, t) -> {
            t.call("position is the size", ch::position);
            t.call("position(3)", () -> ch.position(3));
            t.call("position is still the size", ch::position);
            t.call("write", () -> ch.write(bytes(20, 11)));
            t.call("position", ch::position);
            Files.write(path, random(30, 12), APPEND); // another writer extends the file
            t.call("position follows the other writer", ch::position);
            t.call("write goes after the other writer's bytes", () -> ch.write(direct(5, 13)));
            t.call("size", ch::size);
            t.call("gathering write", () -> ch.write(new ByteBuffer[] {bytes(3, 14), bytes(4, 15)}));
            t.call("truncate(50)", () -> ch.truncate(50));
            t.call("position", ch::position);
            t.call("write", () -> ch.write(bytes(6, 16)));
            t.call("read", () -> ch.read(ByteBuffer.allocate(1)));
            t.call("size", ch::size);
        });
        sameAsJdk("append-invalid", random(10, 17), options(WRITE), (ch, opener, path, t) -> {
            t.call("READ + APPEND", () -> opener.open(path, READ, APPEND));
            t.call("APPEND + TRUNCATE_EXISTING", () -> opener.open(path, APPEND, TRUNCATE_EXISTING));
            t.call("APPEND alone opens for writing", () -> {
                try (FileChannel c = opener.open(path, APPEND)) {
                    return c.write(bytes(2, 18));
                }
            });
        });
    }

    // ================================================================ FileChannel: scattering and gathering

    @Test
    void scatteringAndGatheringWithManyBuffersAsTheJdk() throws Exception {
        sameAsJdk("gather", null, options(CREATE, READ, WRITE), (ch, opener, path, t) -> {
            ByteBuffer[] srcs = new ByteBuffer[300];
            for (int i = 0; i < srcs.length; i++) {
                int size = (i * 37) % 1000; // some empty
                srcs[i] = i % 2 == 0 ? bytes(size, 100 + i) : direct(size, 100 + i);
            }
            t.call("gathering write of all", () -> ch.write(srcs));
            t.call("every source consumed", () -> Arrays.stream(srcs).mapToInt(ByteBuffer::remaining).sum());
            t.call("position", ch::position);
            ByteBuffer[] more = {bytes(10, 1), bytes(20, 2), bytes(30, 3), bytes(40, 4)};
            t.call("gathering write of [1, 3)", () -> ch.write(more, 1, 2));
            t.call("left in each", () -> Arrays.toString(Arrays.stream(more).mapToInt(ByteBuffer::remaining)
                    .toArray()));
            t.call("position(0)", () -> ch.position(0));
            ByteBuffer[] dsts = new ByteBuffer[200];
            for (int i = 0; i < dsts.length; i++) {
                dsts[i] = i % 3 == 0 ? ByteBuffer.allocateDirect(i * 5) : ByteBuffer.allocate(i * 5);
            }
            t.call("scattering read", () -> ch.read(dsts));
            for (int i = 0; i < dsts.length; i += 17) {
                t.note("buffer " + i, contentOf(dsts[i]));
            }
            t.call("position", ch::position);
            ByteBuffer[] rest = {ByteBuffer.allocate(7), ByteBuffer.allocate(1 << 18), ByteBuffer.allocate(9)};
            t.call("scattering read of [1, 3)", () -> ch.read(rest, 1, 2));
            t.call("filled", () -> Arrays.toString(Arrays.stream(rest).mapToInt(ByteBuffer::position).toArray()));
            t.call("scattering read at the end", () -> ch.read(new ByteBuffer[] {ByteBuffer.allocate(4)}));
            t.call("scattering read into full buffers", () -> ch.read(new ByteBuffer[] {ByteBuffer.allocate(0)}));
            t.call("read, offset past the array", () -> ch.read(dsts, 199, 2));
            t.call("read, negative length", () -> ch.read(dsts, 0, -1));
            t.call("write, offset past the array", () -> ch.write(srcs, 300, 1));
            t.call("read with a null element", () -> ch.read(new ByteBuffer[] {ByteBuffer.allocate(1), null}));
            t.call("write with a null element", () -> ch.write(new ByteBuffer[] {bytes(1, 1), null}));
            t.call("read with a read-only element", () -> ch.read(new ByteBuffer[] {ByteBuffer.allocate(1),
                    ByteBuffer.allocate(1).asReadOnlyBuffer()}));
            t.call("read(null array)", () -> ch.read((ByteBuffer[]) null));
            t.call("write(null array)", () -> ch.write((ByteBuffer[]) null));
            t.call("position", ch::position);
        });
    }

    // ================================================================ FileChannel: modes, closed, arguments

    @Test
    void aReadOnlyChannelRefusesWritesAsTheJdk() throws Exception {
        sameAsJdk("read-only", random(64, 20), options(READ), (ch, opener, path, t) -> {
            t.call("write", () -> ch.write(bytes(1, 1)));
            t.call("write(null)", () -> ch.write((ByteBuffer) null));
            t.call("positional write", () -> ch.write(bytes(1, 1), 0));
            t.call("positional write(null, 0)", () -> ch.write(null, 0));
            t.call("positional write(buffer, -1)", () -> ch.write(bytes(1, 1), -1));
            t.call("gathering write", () -> ch.write(new ByteBuffer[] {bytes(1, 1)}));
            t.call("truncate(1)", () -> ch.truncate(1));
            t.call("truncate(-1)", () -> ch.truncate(-1));
            t.call("transferFrom", () -> ch.transferFrom(Channels.newChannel(new ByteArrayInputStream(new byte[1])),
                    0, 1));
            t.call("transferFrom(null)", () -> ch.transferFrom(null, 0, 1));
            t.call("lock (exclusive)", () -> ch.lock());
            t.call("tryLock (exclusive)", () -> ch.tryLock());
            t.call("map READ_WRITE", () -> ch.map(FileChannel.MapMode.READ_WRITE, 0, 1));
            t.call("read works", () -> ch.read(ByteBuffer.allocate(10)));
            t.call("force works", () -> {
                ch.force(true);
                return "forced";
            });
        });
    }

    @Test
    void aWriteOnlyChannelRefusesReadsAsTheJdk() throws Exception {
        sameAsJdk("write-only", random(64, 21), options(WRITE), (ch, opener, path, t) -> {
            t.call("read", () -> ch.read(ByteBuffer.allocate(1)));
            t.call("read(null)", () -> ch.read((ByteBuffer) null));
            t.call("positional read", () -> ch.read(ByteBuffer.allocate(1), 0));
            t.call("positional read(null, 0)", () -> ch.read(null, 0));
            t.call("positional read(buffer, -1)", () -> ch.read(ByteBuffer.allocate(1), -1));
            t.call("scattering read", () -> ch.read(new ByteBuffer[] {ByteBuffer.allocate(1)}));
            t.call("transferTo", () -> ch.transferTo(0, 1, Channels.newChannel(new ByteArrayOutputStream())));
            t.call("transferTo(null)", () -> ch.transferTo(0, 1, null));
            t.call("lock (shared)", () -> ch.lock(0, 10, true));
            t.call("tryLock (shared)", () -> ch.tryLock(0, 10, true));
            t.call("tryLock (shared), negative position", () -> ch.tryLock(-1, 10, true));
            t.call("map READ_ONLY", () -> ch.map(FileChannel.MapMode.READ_ONLY, 0, 1));
            t.call("map READ_WRITE", () -> ch.map(FileChannel.MapMode.READ_WRITE, 0, 1));
            t.call("write works", () -> ch.write(bytes(3, 22)));
        });
    }

    @Test
    void aClosedChannelThrowsAsTheJdkInTheJdksOrder() throws Exception {
        sameAsJdk("closed", random(64, 23), options(READ, WRITE), (ch, opener, path, t) -> {
            ch.close();
            t.call("isOpen", ch::isOpen);
            t.call("read", () -> ch.read(ByteBuffer.allocate(1)));
            t.call("read(null)", () -> ch.read((ByteBuffer) null));
            t.call("positional read(null, 0)", () -> ch.read(null, 0));
            t.call("positional read(buffer, -1)", () -> ch.read(ByteBuffer.allocate(1), -1));
            t.call("positional read", () -> ch.read(ByteBuffer.allocate(1), 0));
            t.call("scattering read, bad range", () -> ch.read(new ByteBuffer[1], 1, 1));
            t.call("scattering read", () -> ch.read(new ByteBuffer[] {ByteBuffer.allocate(1)}));
            t.call("write", () -> ch.write(bytes(1, 1)));
            t.call("positional write", () -> ch.write(bytes(1, 1), 0));
            t.call("gathering write", () -> ch.write(new ByteBuffer[] {bytes(1, 1)}));
            t.call("position", ch::position);
            t.call("position(-1)", () -> ch.position(-1));
            t.call("position(1)", () -> ch.position(1));
            t.call("size", ch::size);
            t.call("truncate(-1)", () -> ch.truncate(-1));
            t.call("truncate(1)", () -> ch.truncate(1));
            t.call("force", () -> {
                ch.force(false);
                return "forced";
            });
            t.call("transferTo(null)", () -> ch.transferTo(0, 1, null));
            t.call("transferTo", () -> ch.transferTo(0, 1, Channels.newChannel(new ByteArrayOutputStream())));
            t.call("transferFrom", () -> ch.transferFrom(Channels.newChannel(new ByteArrayInputStream(new byte[1])),
                    0, 1));
            t.call("lock(-1, 1)", () -> ch.lock(-1, 1, false));
            t.call("tryLock", () -> ch.tryLock());
            t.call("map, too large", () -> ch.map(FileChannel.MapMode.READ_ONLY, 0, Integer.MAX_VALUE + 1L));
            t.call("map(null)", () -> ch.map(null, 0, 1));
            t.call("map", () -> ch.map(FileChannel.MapMode.READ_ONLY, 0, 1));
            t.call("close again", () -> {
                ch.close();
                return "closed";
            });
        });
    }

    @Test
    void openOptionsAndErrorsAsTheJdk() throws Exception {
        sameAsJdk("open", random(8, 24), options(READ), (ch, opener, path, t) -> {
            Path absent = path.resolveSibling(path.getFileName() + ".absent");
            t.call("open an absent file", () -> opener.open(absent));
            t.call("open an absent file for writing", () -> opener.open(absent, WRITE));
            t.call("CREATE_NEW on an existing file", () -> opener.open(path, StandardOpenOption.CREATE_NEW, WRITE));
            t.call("open a directory for reading: reading it", () -> {
                try (FileChannel c = opener.open(path.getParent())) {
                    return c.read(ByteBuffer.allocate(1));
                }
            });
            t.call("open a directory for writing", () -> opener.open(path.getParent(), WRITE));
            t.call("unsupported option", () -> opener.open(path, READ, java.nio.file.LinkOption.NOFOLLOW_LINKS,
                    new OpenOption() { }));
            t.call("null option", () -> opener.open(path, READ, null));
            t.call("CREATE + TRUNCATE_EXISTING + WRITE, then size", () -> {
                try (FileChannel c = opener.open(absent, CREATE, TRUNCATE_EXISTING, WRITE)) {
                    c.write(bytes(5, 1));
                    return c.size();
                }
            });
            t.call("TRUNCATE_EXISTING", () -> {
                try (FileChannel c = opener.open(absent, TRUNCATE_EXISTING, WRITE)) {
                    return c.size();
                }
            });
            t.call("DELETE_ON_CLOSE", () -> {
                try (FileChannel c = opener.open(absent, DELETE_ON_CLOSE, READ)) {
                    return c.size();
                }
            });
            t.call("deleted on close", () -> Files.exists(absent));
        });
    }

    // ================================================================ FileChannel: transfers

    @Test
    void transfersWithPositionsAndCountsPastTheEndAsTheJdk() throws Exception {
        sameAsJdk("transfer", random(100_000, 30), options(READ, WRITE), (ch, opener, path, t) -> {
            ch.position(7);
            for (long[] pc : new long[][] {{0, 10}, {99_990, 50}, {100_000, 10}, {100_001, 10}, {500, 0},
                    {0, 1_000_000}, {40_000, Long.MAX_VALUE}}) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                t.call("transferTo(" + pc[0] + ", " + pc[1] + ") to a stream",
                        () -> ch.transferTo(pc[0], pc[1], Channels.newChannel(out)));
                t.note("bytes", out.toByteArray());
            }
            t.call("position unchanged", ch::position);
            Path other = path.resolveSibling(path.getFileName() + ".target");
            try (FileChannel target = opener.open(other, CREATE, WRITE, READ)) {
                target.position(5);
                t.call("transferTo a channel of the same kind", () -> ch.transferTo(10, 3000, target));
                t.call("its position advanced", target::position);
                t.call("transferTo itself", () -> ch.transferTo(0, 10, ch));
                t.call("own position advanced", ch::position);
            }
            try (FileChannel readOnly = opener.open(other, READ)) {
                t.call("transferTo a read-only channel of the same kind", () -> ch.transferTo(0, 10, readOnly));
                t.call("transferFrom a write-only ... (read-only source is fine)",
                        () -> ch.transferFrom(readOnly, 200_000, 10));
            }
            try (FileChannel writeOnly = opener.open(other, WRITE)) {
                t.call("transferFrom a write-only channel of the same kind",
                        () -> ch.transferFrom(writeOnly, 0, 10));
            }
            t.call("transferFrom 5 bytes of 8 at 10", () -> ch.transferFrom(
                    Channels.newChannel(new ByteArrayInputStream(random(8, 31))), 10, 5));
            t.call("transferFrom past the end", () -> ch.transferFrom(
                    Channels.newChannel(new ByteArrayInputStream(random(8, 32))), 150_000, 8));
            t.call("size", ch::size);
            t.call("transferFrom a source at its end", () -> ch.transferFrom(
                    Channels.newChannel(new ByteArrayInputStream(new byte[0])), 0, 8));
            t.call("transferFrom count 0", () -> ch.transferFrom(
                    Channels.newChannel(new ByteArrayInputStream(new byte[4])), 0, 0));
            t.call("transferFrom a large count", () -> ch.transferFrom(
                    Channels.newChannel(new ByteArrayInputStream(random(300_000, 33))), 1, Long.MAX_VALUE));
            t.call("transferTo(-1)", () -> ch.transferTo(-1, 1, Channels.newChannel(new ByteArrayOutputStream())));
            t.call("transferTo(0, -1)", () -> ch.transferTo(0, -1, Channels.newChannel(
                    new ByteArrayOutputStream())));
            t.call("transferFrom(-1)", () -> ch.transferFrom(Channels.newChannel(new ByteArrayInputStream(
                    new byte[1])), -1, 1));
            java.nio.channels.WritableByteChannel closedTarget = Channels.newChannel(new ByteArrayOutputStream());
            closedTarget.close();
            t.call("transferTo a closed channel", () -> ch.transferTo(0, 1, closedTarget));
            java.nio.channels.ReadableByteChannel closedSource = Channels.newChannel(
                    new ByteArrayInputStream(new byte[1]));
            closedSource.close();
            t.call("transferFrom a closed channel", () -> ch.transferFrom(closedSource, 0, 1));
            t.call("position", ch::position);
        });
    }

    // ================================================================ FileChannel: pipes

    private Path fifo(String name) throws IOException, InterruptedException {
        Path fifo = dir.resolve(name);
        Assumptions.assumeTrue(run("mkfifo", fifo.toString()) == 0, "mkfifo works here");
        return fifo;
    }

    @Test
    void aFifoIsReadAndWrittenInOrderAndCannotSeekAsTheJdk() throws Exception {
        for (String kind : new String[] {"jdk", "ringfile"}) {
            fifo("fifo-" + kind);
        }
        List<List<String>> transcripts = new ArrayList<>();
        for (String kind : new String[] {"jdk", "ringfile"}) {
            Opener opener = kind.equals("jdk") ? jdk : ours;
            Transcript t = new Transcript();
            try (FileChannel ch = opener.open(dir.resolve("fifo-" + kind), READ, WRITE)) {
                t.call("position", ch::position);
                t.call("position(1)", () -> ch.position(1));
                t.call("size", ch::size);
                t.call("positional read", () -> ch.read(ByteBuffer.allocate(1), 0));
                t.call("positional write", () -> ch.write(bytes(1, 1), 0));
                t.call("write", () -> ch.write(bytes(40, 40)));
                t.call("gathering write", () -> ch.write(new ByteBuffer[] {bytes(3, 41), bytes(4, 42)}));
                ByteBuffer first = ByteBuffer.allocate(30);
                t.call("read", () -> ch.read(first));
                t.note("read content", contentOf(first));
                ByteBuffer[] rest = {ByteBuffer.allocate(10), ByteBuffer.allocateDirect(10)};
                t.call("scattering read", () -> ch.read(rest));
                t.note("content", contentOf(rest[0]));
                t.note("content", contentOf(rest[1]));
                t.call("truncate(0)", () -> ch.truncate(0));
                t.call("transferTo", () -> ch.transferTo(0, 4, Channels.newChannel(new ByteArrayOutputStream())));
            }
            transcripts.add(t.lines);
        }
        assertEquals(String.join("\n", transcripts.get(0)), String.join("\n", transcripts.get(1)),
                "a FIFO through the engine's channel as through the JDK's");
    }

    // ================================================================ FileChannel: interrupts and close

    /** An operation of a FileChannel, for the interrupt and close cases. */
    private interface Operation {
        Object on(FileChannel channel) throws Exception;
    }

    private static List<Object[]> everyBlockingOperation() {
        List<Object[]> ops = new ArrayList<>();
        ops.add(new Object[] {"read", (Operation) c -> c.read(ByteBuffer.allocate(8))});
        ops.add(new Object[] {"positional read", (Operation) c -> c.read(ByteBuffer.allocateDirect(8), 2)});
        ops.add(new Object[] {"scattering read", (Operation) c -> c.read(new ByteBuffer[] {ByteBuffer.allocate(2),
                ByteBuffer.allocate(3)})});
        ops.add(new Object[] {"write", (Operation) c -> c.write(ByteBuffer.wrap(new byte[3]))});
        ops.add(new Object[] {"positional write", (Operation) c -> c.write(ByteBuffer.wrap(new byte[3]), 1)});
        ops.add(new Object[] {"gathering write", (Operation) c -> c.write(new ByteBuffer[] {
                ByteBuffer.wrap(new byte[2]), ByteBuffer.wrap(new byte[2])})});
        ops.add(new Object[] {"position()", (Operation) FileChannel::position});
        ops.add(new Object[] {"position(5)", (Operation) c -> c.position(5)});
        ops.add(new Object[] {"size", (Operation) FileChannel::size});
        ops.add(new Object[] {"truncate", (Operation) c -> c.truncate(4)});
        ops.add(new Object[] {"force", (Operation) c -> {
            c.force(true);
            return null;
        }});
        ops.add(new Object[] {"transferTo", (Operation) c -> c.transferTo(0, 4,
                Channels.newChannel(new ByteArrayOutputStream()))});
        ops.add(new Object[] {"transferFrom", (Operation) c -> c.transferFrom(
                Channels.newChannel(new ByteArrayInputStream(new byte[4])), 0, 4)});
        return ops;
    }

    /**
     * A thread interrupted before it calls a blocking operation: the operation closes the channel and throws
     * ClosedByInterruptException, and the thread keeps its interrupt status; for every blocking operation, on the
     * JDK's channel and on the engine's alike.
     */
    @Test
    void anInterruptedThreadClosesTheChannelAndGetsClosedByInterruptException() throws Exception {
        Path path = fileWith("interrupted.bin", random(64, 50));
        for (Object[] op : everyBlockingOperation()) {
            for (Opener opener : List.of(jdk, ours)) {
                String who = (opener == jdk ? "JDK " : "Ringfile ") + op[0];
                FileChannel channel = opener.open(path, READ, WRITE);
                try {
                    Thread.currentThread().interrupt();
                    Throwable thrown = assertThrows(Throwable.class, () -> ((Operation) op[1]).on(channel), who);
                    assertInstanceOf(ClosedByInterruptException.class, thrown, who);
                    assertTrue(Thread.currentThread().isInterrupted(), who + ": the interrupt status is kept");
                    assertFalse(channel.isOpen(), who + ": the interrupt closed the channel");
                } finally {
                    Thread.interrupted();
                    channel.close();
                }
            }
        }
    }

    /** A thread running {@code op} on {@code channel}, with what it ended with. */
    private static final class Blocked {
        final Thread thread;
        final AtomicReference<Object> outcome = new AtomicReference<>();
        final AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
        final CountDownLatch done = new CountDownLatch(1);

        Blocked(String name, FileChannel channel, Operation op) {
            thread = new Thread(() -> {
                try {
                    outcome.set(op.on(channel));
                } catch (Throwable e) {
                    outcome.set(e);
                } finally {
                    interruptedAfter.set(Thread.currentThread().isInterrupted());
                    done.countDown();
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits until the thread is blocked (parked or in a system call) for a while. */
        void awaitBlocked() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            int steady = 0;
            while (steady < 20) {
                assertTrue(System.nanoTime() < deadline, thread.getName() + " never blocked");
                assertTrue(done.getCount() == 1, () -> thread.getName() + " ended early: " + outcome.get());
                Thread.State state = thread.getState();
                steady = state == Thread.State.NEW || state == Thread.State.TERMINATED ? 0 : steady + 1;
                Thread.sleep(10);
            }
        }

        Object await() throws InterruptedException {
            assertTrue(done.await(WAIT_SECONDS, TimeUnit.SECONDS), thread.getName() + " did not end");
            return outcome.get();
        }
    }

    /**
     * Interrupting a thread blocked in a read of an empty FIFO closes the channel: that thread throws
     * ClosedByInterruptException with its interrupt status set, and a thread blocked on the same channel (waiting
     * for the position) throws AsynchronousCloseException without being interrupted. The JDK's channel first, then
     * the engine's.
     */
    @Test
    @Timeout(120)
    void interruptingABlockedReadClosesTheChannelForEveryThreadBlockedOnIt() throws Exception {
        for (Opener opener : List.of(jdk, ours)) {
            String who = opener == jdk ? "JDK" : "Ringfile";
            Path fifo = fifo("interrupt-" + who);
            FileChannel channel = opener.open(fifo, READ, WRITE); // its own writer: reads wait, never see the end
            ByteBuffer buffer = ByteBuffer.allocateDirect(16);
            Blocked reader = new Blocked(who + "-reader", channel, c -> c.read(buffer));
            reader.awaitBlocked();
            Blocked other = new Blocked(who + "-other", channel, c -> c.read(ByteBuffer.allocate(4)));
            other.awaitBlocked();
            reader.thread.interrupt();
            assertInstanceOf(ClosedByInterruptException.class, reader.await(), who + " interrupted reader");
            assertTrue(reader.interruptedAfter.get(), who + ": the reader's interrupt status is set");
            assertInstanceOf(AsynchronousCloseException.class, other.await(), who + " other thread");
            assertFalse(other.interruptedAfter.get(), who + ": the other thread is not interrupted");
            assertFalse(channel.isOpen(), who + ": closed");
            assertEquals(0, buffer.position(), who + ": nothing was read into the buffer");
            // The read was stopped before the method returned: a byte written now is the next reader's, not lost
            // into the old buffer.
            try (FileChannel again = FileChannel.open(fifo, READ, WRITE)) {
                again.write(ByteBuffer.wrap(new byte[] {42}));
                ByteBuffer next = ByteBuffer.allocate(1);
                assertEquals(1, again.read(next), who);
                assertEquals(42, next.get(0), who);
            }
            assertEquals(0, buffer.position(), who + ": the old buffer stays untouched");
        }
    }

    /**
     * Another thread closing the channel while a read of an empty FIFO waits: the reader throws
     * AsynchronousCloseException, is not interrupted, and the close returns.
     */
    @Test
    @Timeout(120)
    void closingTheChannelWakesABlockedReadWithAsynchronousCloseException() throws Exception {
        for (Opener opener : List.of(jdk, ours)) {
            String who = opener == jdk ? "JDK" : "Ringfile";
            Path fifo = fifo("close-" + who);
            FileChannel channel = opener.open(fifo, READ, WRITE);
            Blocked reader = new Blocked(who + "-reader", channel, c -> c.read(ByteBuffer.allocate(8)));
            reader.awaitBlocked();
            channel.close();
            assertInstanceOf(AsynchronousCloseException.class, reader.await(), who);
            assertFalse(reader.interruptedAfter.get(), who);
            assertFalse(channel.isOpen(), who);
        }
    }

    /**
     * A thread interrupted while it reads a large regular file: the read runs to its end in the kernel before the
     * method returns, so the buffer does not change after the exception (a method that returned at the interrupt
     * would leave the kernel writing into the caller's buffer). The kernel fills the buffer from the front, so its
     * last bytes are the ones that would change; they are compared right after the exception and a moment later.
     */
    @Test
    @Timeout(120)
    void aReadEndedByAnInterruptLeavesTheBufferAlone() throws Exception {
        int size = 128 << 20;
        Path path = dir.resolve("large-read.bin");
        try (FileChannel writer = FileChannel.open(path, CREATE, WRITE)) {
            ByteBuffer block = ByteBuffer.wrap(random(1 << 20, 51));
            for (int i = 0; i < size >> 20; i++) {
                writer.write(block.clear());
            }
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        int interrupted = 0;
        for (int round = 0; round < 10 && interrupted < 3; round++) {
            FileChannel channel = engine.newFileChannel(path, READ);
            buffer.clear();
            for (int i = size - (256 << 10); i < size; i++) {
                buffer.put(i, (byte) 0);
            }
            AtomicReference<Long> tailAtReturn = new AtomicReference<>();
            Blocked reader = new Blocked("large-reader", channel, c -> {
                try {
                    return c.read(buffer, 0);
                } finally { // on the reader's own thread, the moment the read returns or throws
                    tailAtReturn.set(tailChecksum(buffer, size));
                }
            });
            while (reader.thread.getState() != Thread.State.WAITING && reader.done.getCount() == 1) {
                Thread.onSpinWait();
            }
            reader.thread.interrupt();
            Object outcome = reader.await();
            long tail = tailAtReturn.get();
            Thread.sleep(300);
            assertEquals(tail, tailChecksum(buffer, size), "the buffer changed after the read returned: " + outcome);
            if (outcome instanceof ClosedByInterruptException) {
                interrupted++;
                assertFalse(channel.isOpen());
            }
            channel.close();
        }
    }

    private static long tailChecksum(ByteBuffer buffer, int size) {
        CRC32 crc = new CRC32();
        crc.update(buffer.duplicate().clear().position(size - (256 << 10)));
        return crc.getValue();
    }

    /** close() returns with the descriptor closed, and a channel dropped without close is closed when collected. */
    @Test
    @Timeout(120)
    void closeReleasesTheDescriptorAndACollectedChannelIsClosed() throws Exception {
        Path path = fileWith("descriptor.bin", random(10, 52));
        FileChannel channel = engine.newFileChannel(path, READ, WRITE);
        channel.read(ByteBuffer.allocate(4));
        assertTrue(descriptorsOf(path) > 0, "the channel holds a descriptor of the file");
        channel.close();
        assertEquals(0, descriptorsOf(path), "no descriptor of the file once close() returns");
        openAndDrop(path);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (descriptorsOf(path) > 0) {
            assertTrue(System.nanoTime() < deadline, "a dropped channel's descriptor was never closed");
            System.gc();
            Thread.sleep(50);
        }
    }

    private void openAndDrop(Path path) throws IOException {
        FileChannel dropped = engine.newFileChannel(path, READ);
        dropped.read(ByteBuffer.allocate(1));
    }

    /** How many of this process's descriptors name {@code path}. */
    static int descriptorsOf(Path path) throws IOException {
        Path real = path.toRealPath();
        int count = 0;
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).equals(real)) {
                        count++;
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return count;
    }

    // ================================================================ FileChannel: locks and mapping

    @Test
    void locksAreTheJdksOwnAcrossEveryChannelOfTheFile() throws Exception {
        sameAsJdk("locks", random(100, 60), options(READ, WRITE), (ch, opener, path, t) -> {
            FileLock lock = ch.lock(10, 20, false);
            t.note("lock", lock);
            t.call("acquiredBy is the channel", () -> lock.acquiredBy() == ch && lock.channel() == ch);
            t.call("valid", lock::isValid);
            t.call("overlapping tryLock", () -> ch.tryLock(25, 10, true));
            t.call("overlapping lock", () -> ch.lock(0, 11, false));
            t.call("adjacent tryLock, released", () -> {
                FileLock adjacent = ch.tryLock(30, 5, false);
                adjacent.release();
                return adjacent.isValid();
            });
            try (FileChannel jdkChannel = FileChannel.open(path, READ, WRITE)) {
                t.call("overlapping tryLock through a JDK channel of the same file",
                        () -> jdkChannel.tryLock(15, 1, false));
            }
            t.call("negative position", () -> ch.tryLock(-1, 10, false));
            t.call("negative size", () -> ch.tryLock(0, -1, false));
            t.call("position + size overflows", () -> ch.tryLock(Long.MAX_VALUE, 10, false));
            t.call("release", () -> {
                lock.release();
                return lock.isValid();
            });
            FileLock whole = ch.lock();
            t.note("whole-file lock", whole);
            t.call("size 0", () -> {
                whole.release();
                FileLock zero = ch.tryLock(50, 0, true);
                String text = "lock[" + zero.position() + "+" + zero.size() + "]";
                zero.release();
                return text;
            });
            FileLock kept = ch.tryLock(0, 5, true);
            t.note("shared", kept);
            ch.close();
            t.call("a lock is invalid once its channel is closed", kept::isValid);
            t.call("release on a closed channel", () -> {
                kept.release();
                return "released";
            });
        });
    }

    @Test
    void mappingIsTheJdksAsTheJdk() throws Exception {
        sameAsJdk("map", random(10_000, 61), options(READ, WRITE), (ch, opener, path, t) -> {
            MappedByteBuffer ro = ch.map(FileChannel.MapMode.READ_ONLY, 100, 50);
            byte[] seen = new byte[50];
            ro.get(seen);
            t.note("mapped read-only", seen);
            t.call("read-only", ro::isReadOnly);
            MappedByteBuffer rw = ch.map(FileChannel.MapMode.READ_WRITE, 9_990, 20); // grows the file
            rw.put(random(20, 62));
            rw.force();
            t.call("size grown by the mapping", ch::size);
            ByteBuffer back = ByteBuffer.allocate(20);
            t.call("read through the channel", () -> ch.read(back, 9_990));
            t.note("what the mapping wrote", contentOf(back));
            t.call("map PRIVATE", () -> ch.map(FileChannel.MapMode.PRIVATE, 0, 10).isReadOnly());
            t.call("map, negative position", () -> ch.map(FileChannel.MapMode.READ_ONLY, -1, 10));
            t.call("map, negative size", () -> ch.map(FileChannel.MapMode.READ_ONLY, 0, -1));
            t.call("map size 0", () -> ch.map(FileChannel.MapMode.READ_ONLY, 0, 0).capacity());
            ch.close();
            t.call("a mapping outlives its channel", () -> ro.get(0) == seen[0]);
        });
    }

    // ================================================================ FileChannel: virtual threads

    /** Runs {@code tasks} on virtual threads (JDK 21+, reached by reflection: the suite compiles for 17). */
    static ExecutorService virtualThreads() {
        Assumptions.assumeTrue(Runtime.version().feature() >= 21,
                "virtual threads need JDK 21 or newer; this is JDK " + Runtime.version().feature());
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** 1,000 virtual threads read through one engine channel and through their own, all at once. */
    @Test
    @Timeout(300)
    void aThousandVirtualThreadsReadThroughTheEnginesChannel() throws Exception {
        byte[] data = random(1 << 20, 70);
        Path path = fileWith("virtual.bin", data);
        try (FileChannel shared = engine.newFileChannel(path, READ)) {
            ExecutorService threads = virtualThreads();
            List<Future<Boolean>> results = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int i = 0; i < 1000; i++) {
                int n = i;
                results.add(threads.submit(() -> {
                    start.await();
                    int at = (n * 4096) % data.length;
                    ByteBuffer buffer = ByteBuffer.allocate(4096);
                    FileChannel channel = n % 4 == 0 ? engine.newFileChannel(path, READ) : shared;
                    try {
                        while (buffer.hasRemaining()) {
                            int read = channel.read(buffer, at + buffer.position());
                            assertTrue(read > 0, "read " + read);
                        }
                    } finally {
                        if (channel != shared) {
                            channel.close();
                        }
                    }
                    return Arrays.equals(Arrays.copyOfRange(data, at, at + 4096), buffer.array());
                }));
            }
            start.countDown();
            int correct = 0;
            for (Future<Boolean> result : results) {
                if (result.get(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    correct++;
                }
            }
            threads.shutdown();
            assertEquals(1000, correct, "every virtual thread read its block");
        }
    }

    /**
     * Virtual threads blocked in reads of the engine's channels leave their carriers free: in a JVM with one carrier
     * thread and no extra ones, eight virtual threads wait in reads of empty FIFOs, and a ninth one still runs. (A
     * read that held its carrier, as the JDK's FileChannel does, would leave the ninth waiting for ever.)
     */
    @Test
    @Timeout(300)
    void virtualThreadsBlockedInReadsLeaveTheirCarrierFree() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 21,
                "virtual threads need JDK 21 or newer; this is JDK " + Runtime.version().feature());
        Assumptions.assumeTrue(run("mkfifo", dir.resolve("probe-fifo").toString()) == 0, "mkfifo works here");
        ChildJvm.Result child = ChildJvm.run(dir, List.of("-Djdk.virtualThreadScheduler.parallelism=1",
                "-Djdk.virtualThreadScheduler.maxPoolSize=1"), VirtualThreadCarrierProbe.class,
                "ringfile", requested.name(), dir.toString());
        child.assumeBackend(requested);
        assertEquals("yes", child.get("OTHER-VIRTUAL-THREAD-RAN"), child.toString());
        assertEquals("8", child.get("READS-COMPLETED"), child.toString());
    }

    // ================================================================ AsynchronousFileChannel

    /** A thread factory that remembers the threads it made. */
    private static final class RecordingFactory implements ThreadFactory {
        final Set<Thread> made = ConcurrentHashMap.newKeySet();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "handler-pool");
            thread.setDaemon(true);
            made.add(thread);
            return thread;
        }
    }

    /** A handler that records its thread and outcome. */
    private static final class Recorder<V> implements CompletionHandler<V, String> {
        final CompletableFuture<V> result = new CompletableFuture<>();
        volatile Thread thread;
        volatile String attachment;

        @Override
        public void completed(V value, String attachment) {
            this.thread = Thread.currentThread();
            this.attachment = attachment;
            result.complete(value);
        }

        @Override
        public void failed(Throwable error, String attachment) {
            this.thread = Thread.currentThread();
            this.attachment = attachment;
            result.completeExceptionally(error);
        }
    }

    @Test
    void asynchronousChannelReadsAndWritesWithFuturesAndHandlers() throws Exception {
        Path path = dir.resolve("async.bin");
        byte[] data = random(300_000, 80);
        try (AsynchronousFileChannel ch = engine.newAsynchronousFileChannel(path,
                options(CREATE, READ, WRITE), null)) {
            ByteBuffer src = ByteBuffer.wrap(data);
            long at = 0;
            while (src.hasRemaining()) { // the Future form
                at += ch.write(src, at).get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            assertEquals(data.length, ch.size());
            ByteBuffer dst = ByteBuffer.allocateDirect(data.length);
            while (dst.hasRemaining()) { // the handler form
                Recorder<Integer> recorder = new Recorder<>();
                ch.read(dst, dst.position(), "attachment", recorder);
                int n = recorder.result.get(WAIT_SECONDS, TimeUnit.SECONDS);
                assertTrue(n > 0);
                assertEquals("attachment", recorder.attachment);
                assertTrue(recorder.thread.getName().startsWith("ringfile-aio-"),
                        "with no executor, handlers run on the default pool: " + recorder.thread);
            }
            assertArrayEquals(data, contentOf(dst));
            assertEquals(-1, ch.read(ByteBuffer.allocate(1), data.length).get());
            assertEquals(0, ch.read(ByteBuffer.allocate(0), data.length + 10).get(), "an empty buffer reads 0");
            ch.truncate(1000);
            assertEquals(1000, ch.size());
            ch.truncate(5000);
            assertEquals(1000, ch.size(), "truncate never grows");
            ch.force(true);
        }
    }

    /**
     * Handlers run on the channel's executor, never on the thread that started the operation: not for operations
     * that complete at once (closed channel, empty buffer), not for failures, not for ones that end in the engine.
     */
    @Test
    void handlersRunOnTheExecutorNeverOnTheCallersStack() throws Exception {
        Path path = fileWith("handlers.bin", random(10_000, 81));
        RecordingFactory factory = new RecordingFactory();
        for (int threads = 1; threads <= 3; threads++) {
            ExecutorService executor = Executors.newFixedThreadPool(threads, factory);
            AsynchronousFileChannel ch = engine.newAsynchronousFileChannel(path, options(READ, WRITE), executor);
            try {
                List<Recorder<Integer>> recorders = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    Recorder<Integer> read = new Recorder<>();
                    ch.read(ByteBuffer.allocate(100), i * 100L, "r" + i, read);
                    recorders.add(read);
                    Recorder<Integer> write = new Recorder<>();
                    ch.write(ByteBuffer.wrap(random(50, i)), i * 50L, "w" + i, write);
                    recorders.add(write);
                    Recorder<Integer> empty = new Recorder<>();
                    ch.read(ByteBuffer.allocate(0), 0, "e" + i, empty); // completes at once
                    recorders.add(empty);
                    Recorder<Integer> eof = new Recorder<>();
                    ch.read(ByteBuffer.allocate(10), 1_000_000, "eof" + i, eof);
                    recorders.add(eof);
                }
                for (Recorder<Integer> recorder : recorders) {
                    recorder.result.get(WAIT_SECONDS, TimeUnit.SECONDS);
                    assertTrue(factory.made.contains(recorder.thread),
                            "handler ran on " + recorder.thread + ", not on the executor");
                }
            } finally {
                ch.close();
            }
            Recorder<Integer> closed = new Recorder<>();
            ch.read(ByteBuffer.allocate(10), 0, "closed", closed);
            assertInstanceOf(ClosedChannelException.class, assertThrows(ExecutionException.class,
                    () -> closed.result.get(WAIT_SECONDS, TimeUnit.SECONDS)).getCause());
            assertTrue(factory.made.contains(closed.thread), "a failure at once is reported on the executor too");
            assertNotSame(Thread.currentThread(), closed.thread);
            executor.shutdown();
            Recorder<Integer> late = new Recorder<>();
            assertThrows(java.nio.channels.ShutdownChannelGroupException.class,
                    () -> ch.read(ByteBuffer.allocate(10), 0, "late", late),
                    "the JDK refuses to report on a shut-down executor");
        }
    }

    /**
     * Locks of the engine's AsynchronousFileChannel against the JDK's: the same script on each (an overlap within
     * the channel, and with another JDK channel of the file, is refused by the JDK's table of locks; a lock of size
     * 0 is as long as the running JDK makes it; closing releases), and the engine's locks belong to its channel.
     */
    @Test
    void asynchronousChannelLocksAsTheJdk() throws Exception {
        List<String> transcripts = new ArrayList<>();
        for (boolean useEngine : new boolean[] {false, true}) {
            Path path = fileWith("async-lock-" + useEngine + ".bin", random(100, 82));
            AsynchronousFileChannel ch = useEngine
                    ? engine.newAsynchronousFileChannel(path, options(READ, WRITE), null)
                    : AsynchronousFileChannel.open(path, READ, WRITE);
            Transcript t = new Transcript();
            FileLock lock = ch.lock(5, 50, false).get(WAIT_SECONDS, TimeUnit.SECONDS);
            t.note("lock", lock);
            t.call("acquiredBy is the channel", () -> lock.acquiredBy() == ch);
            t.call("no FileChannel", () -> lock.channel() == null);
            t.call("overlapping tryLock", ch::tryLock);
            Recorder<FileLock> refused = new Recorder<>();
            t.call("overlapping lock with a handler", () -> {
                ch.lock("att", refused);
                return null;
            });
            try (AsynchronousFileChannel other = AsynchronousFileChannel.open(path, READ, WRITE)) {
                t.call("overlapping tryLock of another channel", () -> other.tryLock(20, 1, true));
            }
            t.call("release", () -> {
                lock.release();
                return lock.isValid();
            });
            t.call("size 0", () -> {
                FileLock zero = ch.tryLock(60, 0, true);
                String text = "lock[" + zero.position() + "+" + zero.size() + "]";
                zero.release();
                return text;
            });
            Recorder<FileLock> handler = new Recorder<>();
            ch.lock(10, 10, false, "att", handler);
            FileLock second = handler.result.get(WAIT_SECONDS, TimeUnit.SECONDS);
            t.note("lock with a handler", second);
            t.call("its handler ran on another thread", () -> handler.thread != Thread.currentThread());
            t.call("its attachment", () -> handler.attachment);
            t.call("it belongs to the channel", () -> second.acquiredBy() == ch);
            ch.close();
            t.call("a lock is invalid once its channel is closed", second::isValid);
            t.call("lock on the closed channel", () -> outcome(ch.lock()));
            t.call("tryLock on the closed channel", ch::tryLock);
            transcripts.add(String.join("\n", t.lines));
        }
        assertEquals(transcripts.get(0), transcripts.get(1), "the engine's locks as the JDK's");
    }

    @Test
    void aClosedAsynchronousChannelFailsAsTheJdk() throws Exception {
        Path path = fileWith("async-closed.bin", random(100, 83));
        List<String> transcripts = new ArrayList<>();
        for (boolean useEngine : new boolean[] {false, true}) {
            AsynchronousFileChannel ch = useEngine
                    ? engine.newAsynchronousFileChannel(path, options(READ, WRITE), null)
                    : AsynchronousFileChannel.open(path, READ, WRITE);
            AsynchronousFileChannel readOnly = useEngine ? engine.newAsynchronousFileChannel(path, READ)
                    : AsynchronousFileChannel.open(path, READ);
            Transcript t = new Transcript();
            t.call("read(null, -1)", () -> ch.read(null, -1));
            t.call("read(null, 0)", () -> ch.read(null, 0));
            t.call("read(read-only buffer)", () -> ch.read(ByteBuffer.allocate(1).asReadOnlyBuffer(), 0));
            t.call("read with a null handler", () -> {
                ch.read(ByteBuffer.allocate(1), 0, null, null);
                return null;
            });
            t.call("write(null, 0)", () -> ch.write(null, 0));
            t.call("write on a read-only channel", () -> readOnly.write(ByteBuffer.allocate(1), 0));
            t.call("truncate on a read-only channel", () -> readOnly.truncate(0));
            t.call("exclusive lock on a read-only channel", () -> readOnly.lock());
            t.call("truncate(-1)", () -> ch.truncate(-1));
            t.call("lock(-1, 1)", () -> ch.lock(-1, 1, false));
            t.call("tryLock(0, -1)", () -> ch.tryLock(0, -1, false));
            t.call("APPEND", () -> useEngine ? engine.newAsynchronousFileChannel(path, APPEND)
                    : AsynchronousFileChannel.open(path, APPEND));
            t.call("READ + APPEND", () -> useEngine ? engine.newAsynchronousFileChannel(path, READ, APPEND)
                    : AsynchronousFileChannel.open(path, READ, APPEND));
            readOnly.close();
            ch.close();
            t.call("isOpen", ch::isOpen);
            t.call("read", () -> outcome(ch.read(ByteBuffer.allocate(1), 0)));
            t.call("read(buffer, -1)", () -> ch.read(ByteBuffer.allocate(1), -1));
            t.call("write", () -> outcome(ch.write(ByteBuffer.allocate(1), 0)));
            t.call("read into an empty buffer", () -> outcome(ch.read(ByteBuffer.allocate(0), 0)));
            t.call("lock", () -> outcome(ch.lock()));
            t.call("lock(-1, 1)", () -> outcome(ch.lock(-1, 1, false)));
            t.call("tryLock", ch::tryLock);
            t.call("size", ch::size);
            t.call("truncate(-1)", () -> ch.truncate(-1));
            t.call("truncate(1)", () -> ch.truncate(1));
            t.call("force", () -> {
                ch.force(false);
                return null;
            });
            t.call("close again", () -> {
                ch.close();
                return null;
            });
            transcripts.add(String.join("\n", t.lines));
        }
        assertEquals(transcripts.get(0), transcripts.get(1), "the engine's AsynchronousFileChannel as the JDK's");
    }

    private static String outcome(Future<?> future) throws InterruptedException, java.util.concurrent
            .TimeoutException {
        try {
            return "completed " + future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return "failed " + e.getCause().getClass().getName();
        }
    }

    /** An interrupt of a handler's thread does not close the channel (it is no InterruptibleChannel). */
    @Test
    void anInterruptedHandlerThreadDoesNotCloseTheAsynchronousChannel() throws Exception {
        Path path = fileWith("async-interrupt.bin", random(100, 84));
        try (AsynchronousFileChannel ch = engine.newAsynchronousFileChannel(path, READ)) {
            CompletableFuture<Long> size = new CompletableFuture<>();
            ch.read(ByteBuffer.allocate(10), 0, null, new CompletionHandler<Integer, Void>() {
                @Override
                public void completed(Integer result, Void attachment) {
                    Thread.currentThread().interrupt();
                    try {
                        size.complete(ch.size());
                    } catch (IOException e) {
                        size.completeExceptionally(e);
                    }
                }

                @Override
                public void failed(Throwable error, Void attachment) {
                    size.completeExceptionally(error);
                }
            });
            assertEquals(100L, size.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertTrue(ch.isOpen());
            Thread.currentThread().interrupt();
            try {
                assertEquals(100L, ch.size(), "an interrupted caller's blocking call still works");
                Future<Integer> read = ch.read(ByteBuffer.allocate(10), 0);
                try {
                    assertEquals(10, read.get(WAIT_SECONDS, TimeUnit.SECONDS)); // done already: no wait, no throw
                } catch (InterruptedException e) {
                    assertFalse(Thread.currentThread().isInterrupted(), "get() clears the status it reports");
                }
                assertTrue(ch.isOpen(), "the interrupt closed nothing");
            } finally {
                Thread.interrupted();
            }
        }
    }

    /**
     * Future.cancel(false) detaches the caller and leaves the channel open; cancel(true) closes the channel, as
     * the JDK's does. Operations in flight when the channel closes each complete, with their value or
     * AsynchronousCloseException.
     */
    @Test
    void cancellingAndClosingWithOperationsInFlight() throws Exception {
        Path path = fileWith("async-cancel.bin", random(1 << 20, 85));
        AsynchronousFileChannel ch = engine.newAsynchronousFileChannel(path, options(READ, WRITE), null);
        Future<Integer> detached = ch.read(ByteBuffer.allocateDirect(1 << 20), 0);
        boolean cancelled = detached.cancel(false);
        assertEquals(cancelled, detached.isCancelled());
        if (cancelled) {
            assertThrows(CancellationException.class, detached::get);
        }
        assertTrue(ch.isOpen(), "cancel(false) leaves the channel open");
        List<Future<Integer>> inFlight = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            inFlight.add(i % 2 == 0 ? ch.read(ByteBuffer.allocate(64 << 10), i * 4096L)
                    : ch.write(ByteBuffer.wrap(random(64 << 10, i)), i * 4096L));
        }
        Future<Integer> last = ch.read(ByteBuffer.allocate(1 << 20), 0);
        if (last.cancel(true)) {
            assertFalse(ch.isOpen(), "cancel(true) closes the channel");
        } else {
            ch.close();
        }
        for (Future<Integer> future : inFlight) {
            try {
                assertTrue(future.get(WAIT_SECONDS, TimeUnit.SECONDS) >= 0);
            } catch (ExecutionException e) {
                assertInstanceOf(AsynchronousCloseException.class, e.getCause());
            }
        }
        ch.close();
    }

    /** Opening through the JDK's static methods' twins: options as the JDK reads them. */
    @Test
    void asynchronousChannelOpenOptionsAsTheJdk() throws Exception {
        Path path = fileWith("async-open.bin", random(10, 86));
        try (AsynchronousFileChannel ch = engine.newAsynchronousFileChannel(path)) {
            assertEquals(10, ch.read(ByteBuffer.allocate(20), 0).get().intValue(), "READ by default");
            assertThrows(NonWritableChannelException.class, () -> ch.write(ByteBuffer.allocate(1), 0));
        }
        try (AsynchronousFileChannel ch = engine.newAsynchronousFileChannel(path, WRITE)) {
            assertThrows(NonReadableChannelException.class, () -> ch.read(ByteBuffer.allocate(1), 0));
        }
        Path absent = dir.resolve("async-absent.bin");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> engine.newAsynchronousFileChannel(absent));
        try (AsynchronousFileChannel ch = engine.newAsynchronousFileChannel(absent, options(CREATE, WRITE), null,
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
            assertEquals(3, ch.write(ByteBuffer.wrap(new byte[3]), 0).get().intValue());
        }
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(absent)));
    }

    /**
     * Blocking channel calls on an io_uring thread are refused, as blocking waits are there (see FileEngine): the
     * thread would wait for a completion only it can deliver. One ring, so what the call submits goes to the very
     * thread that waits.
     */
    @Test
    void theEnginesChannelsRefuseToBlockAnIoUringThread() throws Exception {
        Assumptions.assumeTrue(engine.backend() == FileEngine.Backend.IO_URING, "io_uring threads: io_uring only");
        Path path = fileWith("ring-thread.bin", random(10, 87));
        try (FileEngine inline = newEngine(FileEngine.builder().inlineCompletion(true).rings(1));
             FileChannel open = inline.newFileChannel(path, READ)) {
            List<Operation> calls = List.of(c -> inline.newFileChannel(path, READ),
                    c -> inline.newAsynchronousFileChannel(path, READ), c -> c.read(ByteBuffer.allocate(4), 0),
                    FileChannel::size);
            for (Operation call : calls) {
                Throwable seen = null;
                for (int attempt = 0; attempt < 1000; attempt++) {
                    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
                    inline.size(path).thenAccept(size -> {
                        if (!io.ringfile.internal.uring.RingThreads.isCurrent()) {
                            outcome.complete(null); // done before the stage was attached: it ran here; again
                            return;
                        }
                        try {
                            Object result = call.on(open);
                            outcome.complete(new AssertionError("not refused: " + result));
                        } catch (Throwable e) {
                            outcome.complete(e);
                        }
                    });
                    seen = await(outcome);
                    if (seen != null) {
                        break;
                    }
                }
                Throwable refusal = seen;
                assertInstanceOf(IllegalStateException.class, refusal, () -> String.valueOf(refusal));
                assertTrue(refusal.getMessage().contains("io_uring thread"), refusal.getMessage());
            }
            assertEquals(4, open.read(ByteBuffer.allocate(4), 0), "the engine carries on");
        }
    }

    // ================================================================ platform threads: the system call on the caller

    /**
     * Holds the only I/O thread of {@code held} (its one ring, or its one NIO pool thread) in a stage of one of its
     * futures until {@code release} opens; returns once it is held.
     */
    private static void holdTheIoThread(FileEngine held, Path anyFile, CountDownLatch release) throws Exception {
        Thread test = Thread.currentThread();
        for (int attempt = 0; attempt < 1000; attempt++) {
            CountDownLatch holding = new CountDownLatch(1);
            CompletableFuture<Boolean> ranHere = new CompletableFuture<>();
            held.size(anyFile).thenAccept(size -> {
                if (Thread.currentThread() == test) {
                    ranHere.complete(true); // done before the stage was attached: again
                    return;
                }
                ranHere.complete(false);
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            if (!ranHere.get(WAIT_SECONDS, TimeUnit.SECONDS)) {
                holding.await();
                return;
            }
        }
        fail("every stage ran on the calling thread");
    }

    /** Whether blocking reads of cached data are made on the caller's thread: io_uring, with NoWaitCalls running. */
    private static boolean readsCachedDataOnTheCaller(FileEngine engine) {
        return engine.backend() == FileEngine.Backend.IO_URING
                && io.ringfile.internal.uring.NoWaitCalls.available();
    }

    /**
     * Blocking reads that cannot wait, on the caller's thread (io_uring on JDK 22+ with native access): a virtual
     * thread's reads of cached data, into a direct buffer and into a heap buffer larger than one scratch piece,
     * complete while the engine's only I/O thread is held and count as hits; once the file is dropped from the page
     * cache a read either goes to the engine (it waits until the I/O thread is let go, and counts as a miss) or, where
     * the readahead that the read starts finishes within the call, comes back at once as a hit; within a few tries a
     * read must go to the engine; a DIRECT
     * channel never reads this way. Elsewhere the reason it is off is visible (on JDK 22+ this build must have it),
     * and reads never take the path: the counters stay where they were.
     */
    @Test
    void blockingReadsOfCachedDataNeedNoHandOff() throws Exception {
        String cause = io.ringfile.internal.uring.NoWaitCalls.unavailabilityCause();
        if (Runtime.version().feature() >= 22) {
            assertTrue(io.ringfile.internal.uring.NoWaitCalls.available(),
                    "the JDK 22 build and its tests have native access: " + cause);
        } else {
            assertTrue(cause.contains("JDK 22"), cause);
        }
        Assumptions.assumeFalse(ringsOnSharedLoops(),
                "the engine runs on a shared group's several loops: holding one does not hold the engine");
        byte[] data = random(256 * 1024, 95);
        Path path = fileWith("cached.bin", data);
        try (FileChannel writer = FileChannel.open(path, WRITE)) {
            writer.force(true); // written back, so that it can be dropped from the cache below
        }
        Files.readAllBytes(path);
        try (FileEngine one = newEngine(FileEngine.builder().inlineCompletion(true).rings(1).nioThreads(1));
             FileChannel ch = one.newFileChannel(path, READ)) {
            if (!readsCachedDataOnTheCaller(one)) { // NIO, JDK 17, no native access: reads never take this path
                long hits = io.ringfile.internal.uring.NoWaitCalls.hits();
                long misses = io.ringfile.internal.uring.NoWaitCalls.misses();
                ByteBuffer heap = ByteBuffer.allocate(100 * 1024);
                assertEquals(heap.capacity(), ch.read(heap, 1000));
                assertArrayEquals(Arrays.copyOfRange(data, 1000, 1000 + heap.capacity()), heap.array());
                assertEquals(hits, io.ringfile.internal.uring.NoWaitCalls.hits(), "no read on the caller's thread");
                assertEquals(misses, io.ringfile.internal.uring.NoWaitCalls.misses(), "not even tried");
                return;
            }
            ExecutorService virtual = virtualThreads();
            CountDownLatch release = new CountDownLatch(1);
            try {
                holdTheIoThread(one, path, release);
                long hits = io.ringfile.internal.uring.NoWaitCalls.hits();
                Future<byte[]> small = virtual.submit(() -> {
                    ByteBuffer direct = ByteBuffer.allocateDirect(4096);
                    assertEquals(4096, ch.read(direct, 8192));
                    return contentOf(direct);
                });
                Future<byte[]> large = virtual.submit(() -> {
                    ByteBuffer heap = ByteBuffer.allocate(100 * 1024);
                    ch.position(1000);
                    assertEquals(100 * 1024, ch.read(heap));
                    assertEquals(1000 + 100 * 1024, ch.position());
                    return heap.array();
                });
                assertArrayEquals(Arrays.copyOfRange(data, 8192, 12288), small.get(WAIT_SECONDS, TimeUnit.SECONDS));
                assertArrayEquals(Arrays.copyOfRange(data, 1000, 1000 + 100 * 1024),
                        large.get(WAIT_SECONDS, TimeUnit.SECONDS));
                assertTrue(io.ringfile.internal.uring.NoWaitCalls.hits() >= hits + 2, "counted as hits");

                // A read that cannot wait still starts the readahead for what it asked; where the device answers
                // within the call (this VM's disk often does), it returns the data. So a cold read either comes
                // back at once as a counted hit with the right bytes, or goes to the engine; the engine's path must
                // be seen within a few tries.
                boolean wentToTheEngine = false;
                for (int attempt = 0; attempt < 40 && !wentToTheEngine; attempt++) {
                    String resident = dropFromPageCache(path);
                    Assumptions.assumeTrue(resident.equals("0"),
                            "the file could not be dropped from the page cache here: " + resident + " bytes stay");
                    long coldHits = io.ringfile.internal.uring.NoWaitCalls.hits();
                    long misses = io.ringfile.internal.uring.NoWaitCalls.misses();
                    Future<byte[]> cold = virtual.submit(() -> {
                        ByteBuffer heap = ByteBuffer.allocate(4096);
                        assertEquals(4096, ch.read(heap, 128 * 1024));
                        return heap.array();
                    });
                    Thread.sleep(200);
                    if (cold.isDone()) {
                        assertArrayEquals(Arrays.copyOfRange(data, 128 * 1024, 132 * 1024), cold.get());
                        assertEquals(coldHits + 1, io.ringfile.internal.uring.NoWaitCalls.hits(),
                                "done while the engine is held: read on the caller's thread");
                        continue;
                    }
                    wentToTheEngine = true;
                    release.countDown();
                    assertArrayEquals(Arrays.copyOfRange(data, 128 * 1024, 132 * 1024),
                            cold.get(WAIT_SECONDS, TimeUnit.SECONDS));
                    assertTrue(io.ringfile.internal.uring.NoWaitCalls.misses() > misses, "counted as a miss");
                }
                assertTrue(wentToTheEngine, "a read of data not in memory goes to the engine (40 tries)");
            } finally {
                release.countDown();
                virtual.shutdownNow();
            }
        }
        if (Files.getFileStore(path).supportsFileAttributeView("posix")) {
            try (FileEngine one = newEngine(FileEngine.builder());
                 FileChannel direct = openDirect(one, path)) {
                if (direct != null) {
                    long hits = io.ringfile.internal.uring.NoWaitCalls.hits();
                    ByteBuffer aligned = ByteBuffer.allocateDirect(8192).alignedSlice(4096);
                    aligned.limit(4096);
                    assertEquals(4096, direct.read(aligned, 0));
                    assertEquals(hits, io.ringfile.internal.uring.NoWaitCalls.hits(), "a DIRECT read waits for the engine");
                }
            }
        }
    }

    /**
     * Whole-file reads of cached files on the caller's thread (io_uring on JDK 22+): readAllBytes and readString of a
     * cached file come back complete, with its bytes, from a platform and from a virtual thread while the engine's
     * only I/O thread is held, and leave no descriptor open; a file larger than the caller's limit (2 MiB) is opened
     * there and read by the engine (it waits until the thread is let go). Elsewhere (NIO, JDK 17, no native access)
     * every one of them waits for the engine's thread. A missing file fails with NoSuchFileException naming it.
     */
    @Test
    void wholeFileReadsOfCachedFilesNeedNoHandOff() throws Exception {
        Assumptions.assumeFalse(ringsOnSharedLoops(),
                "the engine runs on a shared group's several loops: holding one does not hold the engine");
        byte[] data = random(10_000, 98);
        Path path = fileWith("whole-here.bin", data);
        byte[] large = random(2 << 20, 99);
        Path big = fileWith("whole-large.bin", large);
        Files.readAllBytes(path);
        Files.readAllBytes(big);
        try (FileEngine one = newEngine(FileEngine.builder().inlineCompletion(true).rings(1).nioThreads(1))) {
            boolean onCaller = readsCachedDataOnTheCaller(one);
            int before = descriptorsOf(path);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService virtual = Runtime.version().feature() >= 21 ? virtualThreads()
                    : Executors.newSingleThreadExecutor(); // JDK 17: another platform thread
            try {
                holdTheIoThread(one, path, release);
                CompletableFuture<byte[]> here = one.readAllBytes(path);
                CompletableFuture<String> text = one.readString(path, java.nio.charset.StandardCharsets.ISO_8859_1);
                CompletableFuture<byte[]> fromVirtual = virtual.submit(() -> one.readAllBytes(path))
                        .get(WAIT_SECONDS, TimeUnit.SECONDS);
                CompletableFuture<byte[]> larger = one.readAllBytes(big);
                if (onCaller) {
                    assertTrue(here.isDone() && text.isDone() && fromVirtual.isDone(),
                            "complete on return while the engine's I/O thread is held");
                    assertArrayEquals(data, here.join());
                    assertEquals(new String(data, java.nio.charset.StandardCharsets.ISO_8859_1), text.join());
                    assertArrayEquals(data, fromVirtual.join());
                    assertEquals(before, descriptorsOf(path), "the descriptor is closed again");
                }
                Thread.sleep(200);
                assertFalse(larger.isDone(), "a file past the caller's limit is read by the engine");
                if (!onCaller) {
                    assertFalse(here.isDone() || text.isDone() || fromVirtual.isDone(),
                            "without calls on the caller's thread, whole-file reads wait for the engine's thread");
                }
                release.countDown();
                assertArrayEquals(large, larger.get(WAIT_SECONDS, TimeUnit.SECONDS));
                assertArrayEquals(data, here.get(WAIT_SECONDS, TimeUnit.SECONDS));
                assertArrayEquals(data, fromVirtual.get(WAIT_SECONDS, TimeUnit.SECONDS));
                Path missing = dir.resolve("missing-whole");
                ExecutionException failed = assertThrows(ExecutionException.class,
                        () -> one.readAllBytes(missing).get(WAIT_SECONDS, TimeUnit.SECONDS));
                java.nio.file.NoSuchFileException e = assertInstanceOf(java.nio.file.NoSuchFileException.class,
                        failed.getCause());
                assertEquals(missing.toString(), e.getFile());
            } finally {
                release.countDown();
                virtual.shutdownNow();
            }
        }
    }

    /**
     * A platform thread opens, sizes, reads and closes a channel on its own thread where the engine makes those
     * calls there (io_uring on JDK 22+): the whole of it completes while the engine's only I/O thread is held, with
     * the file's bytes, and leaves no descriptor of the file open. Elsewhere (NIO, JDK 17, no native access) the open
     * waits for the engine's thread, and completes once it is let go. Either way an open of a missing file fails
     * with NoSuchFileException naming it.
     */
    @Test
    void aPlatformThreadOpensSizesAndClosesAChannelOnItsOwnThread() throws Exception {
        Assumptions.assumeFalse(ringsOnSharedLoops(),
                "the engine runs on a shared group's several loops: holding one does not hold the engine");
        byte[] data = random(10_000, 96);
        Path path = fileWith("opened-here.bin", data);
        try (FileEngine one = newEngine(FileEngine.builder().inlineCompletion(true).rings(1).nioThreads(1))) {
            boolean onCaller = readsCachedDataOnTheCaller(one);
            int before = descriptorsOf(path);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService platform = Executors.newSingleThreadExecutor();
            try {
                holdTheIoThread(one, path, release);
                Future<byte[]> whole = platform.submit(() -> {
                    try (FileChannel ch = one.newFileChannel(path, READ)) {
                        assertEquals(data.length, ch.size());
                        ByteBuffer all = ByteBuffer.allocate(data.length);
                        while (all.hasRemaining() && ch.read(all) >= 0) {
                            // until full
                        }
                        return all.array();
                    }
                });
                if (onCaller) {
                    assertArrayEquals(data, whole.get(WAIT_SECONDS, TimeUnit.SECONDS),
                            "opened, sized, read and closed while the engine's I/O thread is held");
                } else {
                    Thread.sleep(200);
                    assertFalse(whole.isDone(), "the open waits for the engine's thread");
                    release.countDown();
                    assertArrayEquals(data, whole.get(WAIT_SECONDS, TimeUnit.SECONDS));
                }
                assertEquals(before, descriptorsOf(path), "the channel's descriptor is closed");
                Path missing = dir.resolve("missing-here");
                Future<Throwable> failed = platform.submit(() -> {
                    try {
                        one.newFileChannel(missing, READ).close();
                        return null;
                    } catch (IOException e) {
                        return e;
                    }
                });
                java.nio.file.NoSuchFileException e = assertInstanceOf(java.nio.file.NoSuchFileException.class,
                        failed.get(WAIT_SECONDS, TimeUnit.SECONDS), "fails as the engine's open does");
                assertEquals(missing.toString(), e.getFile());
            } finally {
                release.countDown();
                platform.shutdownNow();
            }
        }
    }

    /** A DIRECT channel on {@code path}, or null where the file system refuses O_DIRECT. */
    private static FileChannel openDirect(FileEngine engine, Path path) throws IOException {
        try {
            return engine.newFileChannel(path, READ, com.sun.nio.file.ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /**
     * Drops {@code path} from the page cache as an unprivileged user can (posix_fadvise DONTNEED, through dd's
     * nocache flag) and says how many of its bytes stay resident ({@code fincore}).
     */
    private static String dropFromPageCache(Path path) throws IOException, InterruptedException {
        output("dd", "if=" + path, "iflag=nocache", "count=0", "status=none");
        return output("fincore", "--noheadings", "--bytes", "--output", "RES", path.toString()).trim();
    }

    /** What {@code command} printed; it must succeed. */
    private static String output(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + out);
        return out;
    }

    /**
     * A platform thread reads and writes a regular file through the engine's FileChannel with the system call on its
     * own thread: positional and cursor reads and writes, direct and heap buffers, complete while the engine's only
     * I/O thread is held. A virtual thread's read of cached data completes there too where the engine reads without
     * waiting on the caller's thread (io_uring on JDK 22+, {@code NoWaitCalls}), else it goes to the engine (it waits
     * until the thread is let go), as do writes of a SYNC channel (the descriptor the caller would write through has
     * no O_SYNC). The bytes are the file's.
     */
    @Test
    void platformThreadsDoTheSystemCallThemselvesVirtualThreadsUseTheEngine() throws Exception {
        Assumptions.assumeFalse(ringsOnSharedLoops(),
                "the engine runs on a shared group's several loops: holding one does not hold the engine");
        byte[] data = random(64 * 1024, 94);
        Path path = fileWith("caller.bin", data);
        Path other = fileWith("caller-other.bin", new byte[16]);
        try (FileEngine one = newEngine(FileEngine.builder().inlineCompletion(true).rings(1).nioThreads(1));
             FileChannel ch = one.newFileChannel(path, READ, WRITE);
             FileChannel sync = one.newFileChannel(other, WRITE, StandardOpenOption.SYNC)) {
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService platform = Executors.newSingleThreadExecutor();
            ExecutorService virtual = Runtime.version().feature() >= 21 ? virtualThreads() : null;
            try {
                holdTheIoThread(one, path, release);
                Future<String> calls = platform.submit(() -> {
                    ByteBuffer direct = ByteBuffer.allocateDirect(4096);
                    assertEquals(4096, ch.read(direct, 8192));
                    assertArrayEquals(Arrays.copyOfRange(data, 8192, 12288), contentOf(direct));
                    ByteBuffer heap = ByteBuffer.allocate(100);
                    ch.position(1000);
                    assertEquals(100, ch.read(heap));
                    assertEquals(1100, ch.position());
                    assertArrayEquals(Arrays.copyOfRange(data, 1000, 1100), heap.array());
                    assertEquals(3, ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 10));
                    assertEquals(2, ch.write(ByteBuffer.allocateDirect(2)));
                    assertEquals(1102, ch.position());
                    ByteBuffer back = ByteBuffer.allocate(3);
                    ch.read(back, 10);
                    return Arrays.toString(back.array());
                });
                assertEquals("[1, 2, 3]", calls.get(20, TimeUnit.SECONDS),
                        "a platform thread's reads and writes complete without the engine's I/O thread");
                Future<Integer> syncWrite = platform.submit(() -> sync.write(ByteBuffer.wrap(new byte[4]), 0));
                Future<Integer> virtualRead = virtual == null ? null
                        : virtual.submit(() -> ch.read(ByteBuffer.allocate(10), 0));
                if (virtualRead != null && readsCachedDataOnTheCaller(one)) {
                    assertEquals(10, virtualRead.get(WAIT_SECONDS, TimeUnit.SECONDS).intValue(),
                            "a virtual thread's read of cached data completes on its own thread");
                }
                Thread.sleep(200);
                assertFalse(syncWrite.isDone(), "a SYNC channel's write goes to the engine");
                if (virtualRead != null && !readsCachedDataOnTheCaller(one)) {
                    assertFalse(virtualRead.isDone(), "a virtual thread's read goes to the engine");
                }
                release.countDown();
                assertEquals(4, syncWrite.get(WAIT_SECONDS, TimeUnit.SECONDS).intValue());
                if (virtualRead != null) {
                    assertEquals(10, virtualRead.get(WAIT_SECONDS, TimeUnit.SECONDS).intValue());
                }
            } finally {
                release.countDown();
                platform.shutdownNow();
                if (virtual != null) {
                    virtual.shutdownNow();
                }
            }
        }
        byte[] after = Files.readAllBytes(path);
        assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOfRange(after, 10, 13));
        assertArrayEquals(new byte[2], Arrays.copyOfRange(after, 1100, 1102));
    }

    /**
     * Several platform threads read and write a regular file through one channel, and one of them is interrupted:
     * that one ends with ClosedByInterruptException and its interrupt status, every other one with
     * AsynchronousCloseException (inside an operation) or ClosedChannelException (between two), and the channel is
     * closed; on the JDK's channel and on the engine's, many rounds, the interrupt landing at random points.
     */
    @Test
    @Timeout(300)
    void interruptingOneOfSeveralThreadsInOperationsOnARegularFile() throws Exception {
        Path path = fileWith("interrupt-many.bin", random(1 << 20, 95));
        for (Opener opener : List.of(jdk, ours)) {
            for (int round = 0; round < 30; round++) {
                String who = (opener == jdk ? "JDK" : "Ringfile") + " round " + round;
                FileChannel channel = opener.open(path, READ, WRITE);
                List<Blocked> threads = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    int id = i;
                    threads.add(new Blocked(who + " thread " + i, channel, c -> {
                        ByteBuffer direct = ByteBuffer.allocateDirect(4096);
                        ByteBuffer heap = ByteBuffer.allocate(512);
                        java.util.Random random = new java.util.Random(id);
                        for (;;) {
                            long at = random.nextInt(1 << 20);
                            direct.clear();
                            heap.clear();
                            switch (random.nextInt(4)) {
                                case 0: c.read(direct, at); break;
                                case 1: c.read(heap); break;
                                case 2: c.write(heap, at); break;
                                default: c.position(at); break;
                            }
                        }
                    }));
                }
                Thread.sleep(1 + round % 7);
                threads.get(0).thread.interrupt();
                Object first = threads.get(0).await();
                assertInstanceOf(ClosedByInterruptException.class, first, who + ": the interrupted thread");
                assertTrue(threads.get(0).interruptedAfter.get(), who + ": its interrupt status is kept");
                for (Blocked other : threads.subList(1, threads.size())) {
                    Object outcome = other.await();
                    assertTrue(outcome instanceof AsynchronousCloseException
                                    || outcome.getClass() == ClosedChannelException.class,
                            who + ": another thread ended with " + outcome);
                    assertFalse(other.interruptedAfter.get(), who + ": not interrupted");
                }
                assertFalse(channel.isOpen(), who + ": the interrupt closed the channel");
            }
        }
    }

    /**
     * Once its engine is closed, a channel's reads and writes fail with ClosedChannelException on a platform thread
     * as on the engine's own path, also after the platform thread's earlier calls went to the JDK channel.
     */
    @Test
    void aChannelOfAClosedEngineFailsOnPlatformThreadsToo() throws Exception {
        Path path = fileWith("closed-engine.bin", random(100, 96));
        FileEngine own = newEngine();
        FileChannel ch = own.newFileChannel(path, READ, WRITE);
        try {
            assertEquals(10, ch.read(ByteBuffer.allocate(10), 0));
            assertEquals(1, ch.write(ByteBuffer.allocate(1), 0));
            own.close();
            assertThrows(ClosedChannelException.class, () -> ch.read(ByteBuffer.allocate(10), 0));
            assertThrows(ClosedChannelException.class, () -> ch.read(ByteBuffer.allocateDirect(10)));
            assertThrows(ClosedChannelException.class, () -> ch.write(ByteBuffer.allocate(1), 0));
        } finally {
            ch.close();
            own.close();
        }
    }

    // ================================================================ more cases the JDK's tests exercise

    /** Heap, direct and wrapped buffers and slices of them at offset 1, as the JDK's tests vary them. */
    private static List<ByteBuffer> variedBuffers(int size) {
        List<ByteBuffer> buffers = new ArrayList<>(List.of(ByteBuffer.allocate(size),
                ByteBuffer.allocateDirect(size), ByteBuffer.wrap(new byte[size + 8], 4, size).slice()));
        for (ByteBuffer b : List.copyOf(buffers)) {
            buffers.add(b.duplicate().position(1).slice());
        }
        return buffers;
    }

    /**
     * One byte read and written at every file position through every position of heap, direct and sliced buffers:
     * the byte lands at the buffer's position (not its start or its backing array's start) and the position moves
     * by one.
     */
    @Test
    void everyBufferPositionAndSliceReadsAndWritesItsOwnByteAsTheJdk() throws Exception {
        int size = 24;
        byte[] content = new byte[size];
        for (int i = 0; i < size; i++) {
            content[i] = (byte) (i + 1);
        }
        sameAsJdk("buffer-positions", content, options(READ, WRITE), (ch, opener, path, t) -> {
            int kind = 0;
            for (ByteBuffer bb : variedBuffers(size)) {
                StringBuilder reads = new StringBuilder();
                for (int at = 0; at < bb.capacity(); at++) {
                    for (int bufPos = 0; bufPos < bb.capacity(); bufPos++) {
                        bb.clear().position(bufPos).limit(bufPos + 1);
                        int n = (at + bufPos) % 2 == 0 ? ch.read(bb, at) : readAtCursor(ch, bb, at);
                        reads.append(n).append(':').append(bb.position()).append(':').append(bb.get(bufPos))
                                .append(' ');
                    }
                }
                t.note("reads through buffer " + kind, reads.toString());
                StringBuilder writes = new StringBuilder();
                for (int at = 0; at < bb.capacity(); at++) {
                    for (int bufPos = 0; bufPos < bb.capacity(); bufPos += 5) {
                        bb.clear().put(bufPos, (byte) (at * 7 + bufPos + kind)).position(bufPos).limit(bufPos + 1);
                        int n = ch.write(bb, at);
                        ByteBuffer check = ByteBuffer.allocate(1);
                        ch.read(check, at);
                        writes.append(n).append(':').append(bb.position()).append(':').append(check.get(0))
                                .append(' ');
                    }
                }
                t.note("writes through buffer " + kind, writes.toString());
                kind++;
            }
        });
    }

    private static int readAtCursor(FileChannel ch, ByteBuffer bb, long at) throws IOException {
        ch.position(at);
        return ch.read(bb);
    }

    /** The AsynchronousFileChannel, both forms, through every position of heap, direct and sliced buffers. */
    @Test
    void everyBufferPositionAndSliceThroughTheAsynchronousChannel() throws Exception {
        int size = 20;
        byte[] content = new byte[size];
        for (int i = 0; i < size; i++) {
            content[i] = (byte) (i + 1);
        }
        Path path = fileWith("async-positions.bin", content);
        try (AsynchronousFileChannel ch = engine.newAsynchronousFileChannel(path, options(READ, WRITE), null)) {
            int kind = 0;
            for (ByteBuffer bb : variedBuffers(size)) {
                for (int at = 0; at < size; at++) {
                    for (int bufPos = 0; bufPos < bb.capacity(); bufPos++) {
                        bb.clear().position(bufPos).limit(bufPos + 1);
                        String where = "buffer " + kind + " at " + bufPos + ", file at " + at;
                        assertEquals(1, asyncRead(ch, bb, at, (at + bufPos) % 2 == 0), where);
                        assertEquals(bufPos + 1, bb.position(), where);
                        assertEquals(content[at], bb.get(bufPos), where);
                    }
                }
                for (int at = 0; at < size; at++) {
                    for (int bufPos = 0; bufPos < bb.capacity(); bufPos += 3) {
                        byte b = (byte) (at * 11 + bufPos + kind);
                        bb.clear().put(bufPos, b).position(bufPos).limit(bufPos + 1);
                        String where = "write from buffer " + kind + " at " + bufPos + ", file at " + at;
                        assertEquals(1, asyncWrite(ch, bb, at, (at + bufPos) % 2 == 0), where);
                        assertEquals(bufPos + 1, bb.position(), where);
                        ByteBuffer check = ByteBuffer.allocate(1);
                        assertEquals(1, ch.read(check, at).get(WAIT_SECONDS, TimeUnit.SECONDS), where);
                        assertEquals(b, check.get(0), where);
                    }
                    ch.write(ByteBuffer.wrap(new byte[] {content[at]}), at).get(WAIT_SECONDS, TimeUnit.SECONDS);
                }
                kind++;
            }
        }
    }

    private static int asyncRead(AsynchronousFileChannel ch, ByteBuffer bb, long at, boolean future)
            throws Exception {
        if (future) {
            return ch.read(bb, at).get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        Recorder<Integer> recorder = new Recorder<>();
        ch.read(bb, at, null, recorder);
        return recorder.result.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static int asyncWrite(AsynchronousFileChannel ch, ByteBuffer bb, long at, boolean future)
            throws Exception {
        if (future) {
            return ch.write(bb, at).get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        Recorder<Integer> recorder = new Recorder<>();
        ch.write(bb, at, null, recorder);
        return recorder.result.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * transferTo and transferFrom with the channel itself on the other end. Regions apart: the same bytes as the
     * JDK. Regions overlapping: the specification leaves the bytes open (the JDK's own test checks only that it
     * works), so counts and positions are the JDK's, the file keeps its size and the bytes outside the target region
     * are untouched.
     */
    @Test
    void transfersWithinOneChannelApartAndOverlappingAsTheJdk() throws Exception {
        int length = 256 * 1024;
        byte[] content = random(length, 90);
        sameAsJdk("self-transfer", content, options(READ, WRITE), (ch, opener, path, t) -> {
            ch.position(length * 3 / 4);
            t.call("transferTo, last quarter over the third", () -> ch.transferTo(length / 2, length / 4, ch));
            t.call("position", ch::position);
            ch.position(length * 3 / 4);
            t.call("transferFrom, last quarter to the third", () -> ch.transferFrom(ch, length / 2, length / 4));
            t.call("position", ch::position);
        });
        for (Opener opener : List.of(jdk, ours)) {
            for (boolean to : new boolean[] {true, false}) {
                Path path = fileWith("self-overlap-" + (opener == jdk) + "-" + to, content);
                try (FileChannel ch = opener.open(path, READ, WRITE)) {
                    String what = (opener == jdk ? "jdk " : "engine ") + (to ? "transferTo" : "transferFrom");
                    ch.position(length / 2);
                    long n = to ? ch.transferTo(length / 4, length / 2, ch) // [L/4, 3L/4) to [L/2, L)
                            : ch.transferFrom(ch, length / 4, length / 2);  // [L/2, L) to [L/4, 3L/4)
                    assertEquals(length / 2, n, what);
                    assertEquals(length, ch.position(), what + ": the other end's position moves");
                    assertEquals(length, ch.size(), what);
                }
                byte[] after = Files.readAllBytes(path);
                int from = to ? length / 2 : length / 4;
                int end = to ? length : length * 3 / 4;
                assertArrayEquals(Arrays.copyOfRange(content, 0, from), Arrays.copyOfRange(after, 0, from));
                assertArrayEquals(Arrays.copyOfRange(content, end, length), Arrays.copyOfRange(after, end, length));
            }
        }
    }

    /** Gathering writes of a sub-range and scattering reads leave other buffers and every limit alone. */
    @Test
    void scatteringAndGatheringTouchOnlyTheirRangeAsTheJdk() throws Exception {
        byte[] content = new byte[256];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i - 128);
        }
        sameAsJdk("scatter-range", content, options(READ, WRITE), (ch, opener, path, t) -> {
            ByteBuffer[] dsts = {ByteBuffer.allocateDirect(3), ByteBuffer.allocateDirect(3),
                    ByteBuffer.allocateDirect(3)};
            for (int round = 0; round < 20; round++) {
                t.call("read round " + round, () -> ch.read(dsts));
                for (ByteBuffer b : dsts) {
                    t.note("got", contentOf(b));
                    b.flip();
                }
            }
            ByteBuffer[] two = {ByteBuffer.allocateDirect(10), ByteBuffer.allocateDirect(10)};
            ch.position(241);
            t.call("read the last 15 into two of 10", () -> ch.read(two));
            t.call("limits", () -> two[0].limit() + "," + two[1].limit());
            ByteBuffer[] srcs = new ByteBuffer[4];
            for (int i = 0; i < 4; i++) {
                srcs[i] = ByteBuffer.allocateDirect(10).put((byte) (i + 1)).flip();
            }
            ch.position(0);
            t.call("write(srcs, 1, 2)", () -> ch.write(srcs, 1, 2));
            t.call("left", () -> Arrays.toString(Arrays.stream(srcs).mapToInt(ByteBuffer::remaining).toArray()));
            t.call("write(empty buffers, 2, 1)", () -> ch.write(new ByteBuffer[] {ByteBuffer.allocateDirect(10),
                    ByteBuffer.allocateDirect(10), ByteBuffer.allocateDirect(10).limit(0)}, 2, 1));
            t.call("write(buffer, -1)", () -> ch.write(ByteBuffer.allocate(10), -1));
            t.call("read(buffer, -1)", () -> ch.read(ByteBuffer.allocate(10), -1));
            t.call("position", ch::position);
        });
    }

    /** Appends from many threads, each through a channel of its own or all through one, lose no byte. */
    @Test
    void appendsFromManyThreadsAreAtomic() throws Exception {
        Path path = fileWith("appends.bin", new byte[0]);
        int threads = 8;
        int writes = 300;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (FileChannel shared = engine.newFileChannel(path, APPEND)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int id = i;
                done.add(pool.submit(() -> {
                    FileChannel ch = id % 2 == 0 ? engine.newFileChannel(path, APPEND) : shared;
                    try {
                        for (int j = 0; j < writes; j++) {
                            ByteBuffer one = ByteBuffer.wrap(new byte[] {(byte) ('a' + id)});
                            if (j % 2 == 0) {
                                ch.write(new ByteBuffer[] {one});
                            } else {
                                ch.write(one);
                            }
                        }
                    } finally {
                        if (ch != shared) {
                            ch.close();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            assertEquals((long) threads * writes, shared.size());
        } finally {
            pool.shutdownNow();
        }
        byte[] bytes = Files.readAllBytes(path);
        int[] counts = new int[threads];
        for (byte b : bytes) {
            counts[b - 'a']++;
        }
        for (int i = 0; i < threads; i++) {
            assertEquals(writes, counts[i], "bytes of writer " + i);
        }
    }

    /** Channels.newInputStream over the channel: reads, skips, available, readAllBytes, transferTo. */
    @Test
    void anInputStreamOverTheChannelAsTheJdk() throws Exception {
        sameAsJdk("channel-stream", random(70_000, 91), options(READ), (ch, opener, path, t) -> {
            java.io.InputStream in = Channels.newInputStream(ch);
            t.call("read()", in::read);
            t.call("available", in::available);
            t.call("skip(1000)", () -> in.skip(1000));
            t.call("position", ch::position);
            t.call("skip(-5)", () -> in.skip(-5));
            t.call("read 100", () -> in.readNBytes(100));
            t.call("available", in::available);
            t.call("transferTo", () -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                long n = in.transferTo(out);
                return n + " " + checksumOf(out.toByteArray());
            });
            t.call("position", ch::position);
            t.call("read at the end", in::read);
            t.call("skip at the end", () -> in.skip(10));
            ch.position(60_000);
            t.call("readAllBytes from 60000", in::readAllBytes);
            ch.position(80_000);
            // JDK 25's stream asks its own channel class and says size - position (negative here); for any other
            // channel it says max(0, size - position). Compared clamped, as no other channel can answer otherwise.
            t.call("available past the end, clamped", () -> Math.max(0, in.available()));
            t.call("readAllBytes past the end", in::readAllBytes);
            t.call("position", ch::position);
        });
    }

    /**
     * A chain of operations each issued from the previous one's handler, as the JDK's tests read and write whole
     * files: it completes, and handlers do not pile up on one thread's stack.
     */
    @Test
    void handlerChainsIssuedFromHandlersCompleteWithoutGrowingTheStack() throws Exception {
        int size = 3000;
        Path path = fileWith("async-chain.bin", new byte[0]);
        byte[] data = random(size, 92);
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try (AsynchronousFileChannel ch = engine.newAsynchronousFileChannel(path, options(READ, WRITE), executor)) {
            int[] depth = {Integer.MAX_VALUE, 0};
            CompletableFuture<Void> written = new CompletableFuture<>();
            ch.write(ByteBuffer.wrap(data, 0, 1), 0, 0L, new CompletionHandler<Integer, Long>() {
                @Override
                public void completed(Integer n, Long at) {
                    int frames = Thread.currentThread().getStackTrace().length;
                    synchronized (depth) {
                        depth[0] = Math.min(depth[0], frames);
                        depth[1] = Math.max(depth[1], frames);
                    }
                    long next = at + n;
                    if (next == size) {
                        written.complete(null);
                        return;
                    }
                    ch.write(ByteBuffer.wrap(data, (int) next, 1), next, next, this); // one byte at a time
                }

                @Override
                public void failed(Throwable error, Long at) {
                    written.completeExceptionally(error);
                }
            });
            written.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(depth[1] - depth[0] < 200, "handler stack depths from " + depth[0] + " to " + depth[1]);
            ByteBuffer dst = ByteBuffer.allocateDirect(size);
            CompletableFuture<Void> read = new CompletableFuture<>();
            ch.read(dst.slice().limit(1), 0, 0L, new CompletionHandler<Integer, Long>() {
                @Override
                public void completed(Integer n, Long at) {
                    long next = at + Math.max(n, 0);
                    if (n < 0 || next == size) {
                        read.complete(null);
                        return;
                    }
                    ByteBuffer one = dst.duplicate().position((int) Math.min(next, size))
                            .limit((int) Math.min(next + 1, size));
                    ch.read(one, next, next, this);
                }

                @Override
                public void failed(Throwable error, Long at) {
                    read.completeExceptionally(error);
                }
            });
            read.get(WAIT_SECONDS, TimeUnit.SECONDS);
            byte[] back = new byte[size];
            dst.get(0, back);
            assertArrayEquals(data, back);
        } finally {
            executor.shutdown();
        }
    }

    /**
     * Cancel of a SYNC write just started, without and with interruption: done at once, isCancelled as cancel
     * said, get and get with a timeout consistent with it; the channel stays usable after cancel(false).
     */
    @Test
    void cancellingAStartedWriteIsConsistentAsTheJdkSpecifies() throws Exception {
        Path path = fileWith("async-cancel-sync.bin", new byte[0]);
        for (boolean interrupt : new boolean[] {false, true}) {
            AsynchronousFileChannel ch = engine.newAsynchronousFileChannel(path,
                    options(WRITE, StandardOpenOption.SYNC), null);
            Future<Integer> write = ch.write(ByteBuffer.wrap(random(16_000, 93)), 0);
            boolean cancelled = write.cancel(interrupt);
            assertTrue(write.isDone(), "done after cancel(" + interrupt + ")");
            assertEquals(cancelled, write.isCancelled());
            if (cancelled) {
                assertThrows(CancellationException.class, write::get);
                assertThrows(CancellationException.class, () -> write.get(1, TimeUnit.SECONDS));
            } else {
                assertEquals(16_000, write.get().intValue());
                assertEquals(16_000, write.get(1, TimeUnit.SECONDS).intValue());
            }
            if (!interrupt || !cancelled) {
                assertEquals(1, ch.write(ByteBuffer.wrap(new byte[1]), 0).get(WAIT_SECONDS, TimeUnit.SECONDS));
            }
            ch.close();
        }
    }

    /** One executor shared by many channels, about half closed along the way: every handler runs on it. */
    @Test
    void oneExecutorSharedByManyChannels() throws Exception {
        Path path = fileWith("async-shared-pool.bin", new byte[0]);
        RecordingFactory factory = new RecordingFactory();
        ExecutorService executor = Executors.newFixedThreadPool(3, factory);
        List<AsynchronousFileChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < 60; i++) {
                AsynchronousFileChannel ch = engine.newAsynchronousFileChannel(path, options(WRITE), executor);
                channels.add(ch);
                Recorder<Integer> recorder = new Recorder<>();
                ch.write(ByteBuffer.wrap(random(1000 + i, i)), 0, "w" + i, recorder);
                assertEquals(1000 + i, recorder.result.get(WAIT_SECONDS, TimeUnit.SECONDS).intValue());
                assertTrue(factory.made.contains(recorder.thread), "handler ran on " + recorder.thread);
                if (i % 2 == 0) {
                    ch.close();
                }
            }
        } finally {
            for (AsynchronousFileChannel ch : channels) {
                ch.close();
            }
            executor.shutdown();
        }
        assertTrue(executor.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(1059, Files.size(path));
    }
}
