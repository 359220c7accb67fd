package io.ringfile;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnmappableCharacterException;
import java.nio.file.AccessDeniedException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The behaviour every backend must show. Each backend runs it through a one-line subclass; a backend that cannot
 * run on this machine skips the whole suite with the reason (it never fails for that).
 */
public abstract class FileEngineContract extends FileSystemContract {

    protected FileEngineContract(FileEngine.Backend requested) {
        super(requested);
    }

    // ---------------------------------------------------------------- which backend runs

    @Test
    void reportsTheBackendItRuns() {
        assertNotEquals(FileEngine.Backend.AUTO, engine.backend());
        if (requested != FileEngine.Backend.AUTO) {
            assertEquals(requested, engine.backend());
        }
        assertEquals(engine.backend() == FileEngine.Backend.NIO || fallsBackWithIoUring(),
                engine.fallbackReason().isPresent(),
                "a fallback reason exactly when NIO runs, or io_uring not as configured: " + engine.fallbackReason());
    }

    // ---------------------------------------------------------------- round trips

    @Test
    void positionalWriteThenReadWithDirectBuffers() throws IOException {
        Path path = dir.resolve("direct.bin");
        byte[] data = random(10_000, 1);
        try (AsyncFile file = await(engine.open(path, CREATE_NEW, READ, WRITE))) {
            ByteBuffer src = ByteBuffer.allocateDirect(data.length).put(data).flip();
            assertEquals(data.length, await(file.writeFully(src, 100)));
            assertEquals(data.length, src.position(), "source position advances");
            ByteBuffer dst = ByteBuffer.allocateDirect(data.length);
            assertEquals(data.length, await(file.readFully(dst, 100)));
            assertEquals(data.length, dst.position(), "destination position advances");
            byte[] back = new byte[data.length];
            dst.flip().get(back);
            assertArrayEquals(data, back);
            assertEquals(100L + data.length, await(file.size()));
        }
        byte[] onDisk = Files.readAllBytes(path);
        assertArrayEquals(new byte[100], Arrays.copyOf(onDisk, 100), "the gap before position 100 reads as zeros");
        assertArrayEquals(data, Arrays.copyOfRange(onDisk, 100, onDisk.length));
    }

    @Test
    void positionalWriteThenReadWithHeapBuffersLargerThanOneTransfer() throws IOException {
        Path path = dir.resolve("heap.bin");
        byte[] data = random(3 * 1024 * 1024 + 17, 2); // more than one 1 MiB heap transfer
        try (AsyncFile file = await(engine.open(path, CREATE_NEW, READ, WRITE))) {
            ByteBuffer src = ByteBuffer.wrap(data, 5, data.length - 5);
            assertEquals(data.length - 5, await(file.writeFully(src, 0)));
            assertEquals(data.length, src.position());
            ByteBuffer dst = ByteBuffer.allocate(data.length + 3);
            dst.position(3);
            assertEquals(data.length - 5, await(file.readFully(dst, 0)), "readFully stops at end of file");
            assertArrayEquals(Arrays.copyOfRange(data, 5, data.length), Arrays.copyOfRange(dst.array(), 3,
                    3 + data.length - 5));
        }
        assertArrayEquals(Arrays.copyOfRange(data, 5, data.length), Files.readAllBytes(path));
    }

    @Test
    void singleReadOrWriteTransfersSomeAndAdvancesByThatMuch() throws IOException {
        byte[] data = random(4096, 3);
        Path path = fileWith("single.bin", data);
        try (AsyncFile file = await(engine.open(path, READ))) {
            ByteBuffer dst = ByteBuffer.allocate(1000);
            int n = await(file.read(dst, 10));
            assertTrue(n > 0 && n <= 1000, "read " + n);
            assertEquals(n, dst.position());
            assertArrayEquals(Arrays.copyOfRange(data, 10, 10 + n), Arrays.copyOf(dst.array(), n));
        }
    }

    @Test
    void directByteBufsAtNonZeroIndexesTransferFromThoseIndexes() throws IOException {
        Path path = dir.resolve("bytebuf-offsets.bin");
        byte[] data = random(40_000, 14);
        ByteBuf src = Unpooled.directBuffer(100 + data.length).writeZero(100).writeBytes(data);
        src.readerIndex(100); // only the bytes after the first 100 are written
        ByteBuf dst = Unpooled.directBuffer(50 + data.length).writeBytes(new byte[50]).setByte(49, 0x5a);
        try (AsyncFile file = await(engine.open(path, CREATE_NEW, READ, WRITE))) {
            for (int round = 0; round < 3; round++) { // the same buffers again: addresses may be remembered
                src.readerIndex(100);
                dst.writerIndex(50);
                assertEquals(data.length, await(file.writeFully(src, 0)));
                assertEquals(data.length, await(file.readFully(dst, 0)));
                byte[] got = new byte[data.length];
                dst.getBytes(50, got);
                assertArrayEquals(data, got, "round " + round);
                assertEquals(0x5a, dst.getByte(49), "bytes before the writer index stay untouched");
            }
            assertEquals(data.length, await(file.size()).intValue());
        } finally {
            src.release();
            dst.release();
        }
    }

    @Test
    void nettyByteBufsAreReadIntoAndWrittenFromTheirIndexes() throws IOException {
        Path path = dir.resolve("bytebuf.bin");
        byte[] data = random(50_000, 4);
        ByteBuf direct = Unpooled.directBuffer(data.length).writeBytes(data);
        ByteBuf heapRead = Unpooled.buffer(data.length);
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.directBuffer(20_000).writeZero(20_000));
        composite.addComponent(true, Unpooled.buffer(30_000).writeZero(30_000));
        composite.clear(); // 50,000 writable bytes over two components: no single NIO view
        try (AsyncFile file = await(engine.open(path, CREATE_NEW, READ, WRITE))) {
            assertEquals(data.length, await(file.writeFully(direct, 0)));
            assertEquals(data.length, direct.readerIndex(), "reader index advances on write");
            assertEquals(1, direct.refCnt(), "the engine gave its reference back");

            assertEquals(data.length, await(file.readFully(heapRead, 0)));
            assertEquals(data.length, heapRead.writerIndex(), "writer index advances on read");
            assertArrayEquals(data, bytesOf(heapRead));

            assertEquals(data.length, await(file.readFully(composite, 0)));
            assertEquals(data.length, composite.writerIndex());
            assertArrayEquals(data, bytesOf(composite));
            assertEquals(1, composite.refCnt());
        } finally {
            direct.release();
            heapRead.release();
            composite.release();
        }
    }

    @Test
    void readAtOrPastEndOfFileReturnsMinusOneAndShortReadStopsAtEnd() throws IOException {
        Path path = fileWith("eof.bin", random(100, 5));
        try (AsyncFile file = await(engine.open(path))) {
            assertEquals(-1, await(file.read(ByteBuffer.allocate(10), 100)));
            assertEquals(-1, await(file.read(ByteBuffer.allocateDirect(10), 1_000_000)));
            assertEquals(-1, await(file.readFully(ByteBuffer.allocate(10), 100)));
            ByteBuffer dst = ByteBuffer.allocate(50);
            assertEquals(10, await(file.readFully(dst, 90)), "short read at end of file");
            assertEquals(10, dst.position());
            assertEquals(0, await(file.read(ByteBuffer.allocate(0), 0)), "empty buffer reads nothing");
        }
    }

    @Test
    void byteBufReadsAtEndOfFileReturnMinusOneAndLeaveTheBufferAsItWas() throws IOException {
        Path path = fileWith("eof-bytebuf.bin", random(100, 5));
        ByteBuf heap = Unpooled.buffer(10).writeByte(7);
        ByteBuf direct = Unpooled.directBuffer(10).writeByte(7);
        try (AsyncFile file = await(engine.open(path))) {
            for (ByteBuf dst : List.of(heap, direct)) {
                assertEquals(-1, await(file.read(dst, 100)), "read at the end");
                assertEquals(-1, await(file.readFully(dst, 1_000)), "readFully past the end");
                assertEquals(1, dst.writerIndex(), "the writer index stays");
                assertEquals(1, dst.refCnt(), "the engine gave its reference back");
                assertEquals(9, await(file.readFully(dst, 91)), "a short readFully stops at the end");
                assertEquals(10, dst.writerIndex());
            }
        } finally {
            heap.release();
            direct.release();
        }
    }

    @Test
    void sizeTruncateAndForce() throws IOException {
        Path path = fileWith("trunc.bin", random(10_000, 6));
        try (AsyncFile file = await(engine.open(path, READ, WRITE))) {
            assertEquals(10_000L, await(file.size()));
            assertSame(file, await(file.truncate(20_000)), "truncate returns the file");
            assertEquals(10_000L, await(file.size()), "truncating to a larger size changes nothing");
            await(file.truncate(4_000));
            assertEquals(4_000L, await(file.size()));
            await(file.truncate(0));
            assertEquals(0L, await(file.size()));
            await(file.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0));
            await(file.force(false));
            await(file.force(true));
        }
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(path));
    }

    @Test
    void wholeFileHelpersMirrorFiles() throws IOException {
        Path path = dir.resolve("whole.txt");
        assertEquals(path, await(engine.writeString(path, "héllo wörld")));
        assertEquals("héllo wörld", Files.readString(path));
        assertEquals("héllo wörld", await(engine.readString(path)));
        assertEquals(13L, await(engine.size(path)));
        assertArrayEquals("héllo wörld".getBytes(StandardCharsets.UTF_8), await(engine.readAllBytes(path)));

        await(engine.writeString(path, "short", StandardCharsets.ISO_8859_1));
        assertEquals("short", Files.readString(path), "default options truncate an existing file");
        await(engine.write(path, " tail".getBytes(StandardCharsets.US_ASCII), APPEND));
        assertEquals("short tail", await(engine.readString(path, StandardCharsets.US_ASCII)));

        byte[] big = random(5 * 1024 * 1024 + 3, 7);
        Path bigPath = dir.resolve("big.bin");
        await(engine.write(bigPath, big));
        assertArrayEquals(big, Files.readAllBytes(bigPath));
        assertArrayEquals(big, await(engine.readAllBytes(bigPath)));
        Path empty = fileWith("empty", new byte[0]);
        assertEquals(0, await(engine.readAllBytes(empty)).length);
        assertEquals("", await(engine.readString(empty)));
    }

    /**
     * Whole-file reads in a recursive chain ({@code loop(i) = readAllBytes(p).thenCompose(b -> loop(i + 1))}) of
     * 20,000 rounds finish without a StackOverflowError, whether the futures come back complete (a cached file read
     * on the caller's thread) or complete later; readString likewise, and every round sees the file's bytes.
     */
    @Test
    void aRecursiveChainOfWholeFileReadsDoesNotOverflowTheStack() throws Exception {
        byte[] data = random(4096, 97);
        Path path = dir.resolve("chain.bin");
        Files.write(path, data);
        Files.readAllBytes(path);
        int rounds = 20_000;
        assertEquals(rounds, await(readInChain(path, data, 0, rounds)).intValue());
        assertEquals(rounds, await(readStringInChain(path, new String(data, StandardCharsets.ISO_8859_1), 0,
                rounds)).intValue());
    }

    /**
     * Positional reads of a cached file in a recursive chain, on a new thread with the JVM's default stack size:
     * 50,000 rounds finish without a StackOverflowError whether each read comes back complete (made on the caller's
     * thread) or later.
     */
    @Test
    void aRecursiveChainOfReadsDoesNotOverflowTheStack() throws Exception {
        byte[] data = random(8192, 98);
        Path path = fileWith("read-chain.bin", data);
        int rounds = 50_000;
        try (AsyncFile file = await(engine.open(path, READ))) {
            CompletableFuture<Integer> chain = new CompletableFuture<>();
            Thread small = new Thread(null, () -> readsInChain(file, data, 0, rounds).whenComplete((n, e) -> {
                if (e != null) {
                    chain.completeExceptionally(e);
                } else {
                    chain.complete(n);
                }
            }), "default-stack", 0);
            small.setUncaughtExceptionHandler((t, e) -> chain.completeExceptionally(e));
            small.start();
            assertEquals(rounds, await(chain).intValue());
        }
    }

    private static CompletableFuture<Integer> readsInChain(AsyncFile file, byte[] data, int round, int rounds) {
        if (round == rounds) {
            return CompletableFuture.completedFuture(round);
        }
        ByteBuffer one = ByteBuffer.allocate(16);
        int at = (round * 16) % (data.length - 16);
        return file.readFully(one, at).thenCompose(n -> {
            assertEquals(16, n);
            assertEquals(data[at], one.get(0));
            return readsInChain(file, data, round + 1, rounds);
        });
    }

    private CompletableFuture<Integer> readInChain(Path path, byte[] data, int round, int rounds) {
        if (round == rounds) {
            return CompletableFuture.completedFuture(round);
        }
        return engine.readAllBytes(path).thenCompose(bytes -> {
            assertArrayEquals(data, bytes);
            return readInChain(path, data, round + 1, rounds);
        });
    }

    private CompletableFuture<Integer> readStringInChain(Path path, String text, int round, int rounds) {
        if (round == rounds) {
            return CompletableFuture.completedFuture(round);
        }
        return engine.readString(path, StandardCharsets.ISO_8859_1).thenCompose(read -> {
            assertEquals(text, read);
            return readStringInChain(path, text, round + 1, rounds);
        });
    }

    /**
     * readAllBytes reads what the file holds when it is read, not what its size said at the open: /proc files say 0
     * and hold text, sysfs files say 4096 and hold a line, and a file appended to during the read yields at least
     * what it held before, as a prefix of what it ends with.
     */
    @Test
    void readAllBytesReadsWhatTheFileHoldsNotWhatItsSizeSaid() throws Exception {
        Path status = Path.of("/proc/self/status");
        assertEquals(0L, Files.size(status));
        String text = new String(await(engine.readAllBytes(status)), StandardCharsets.US_ASCII);
        assertTrue(text.startsWith("Name:") && text.contains("\nPid:"), text);
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/ostype")),
                await(engine.readString(Path.of("/proc/sys/kernel/ostype"))));

        Path online = Path.of("/sys/devices/system/cpu/online");
        if (Files.isReadable(online)) {
            assertEquals(4096L, Files.size(online));
            assertArrayEquals(Files.readAllBytes(online), await(engine.readAllBytes(online)));
        }

        Path growing = fileWith("growing.bin", random(64 * 1024, 61));
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread writer = new Thread(() -> {
            byte[] record = random(3000, 62);
            try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(growing, APPEND)) {
                for (int i = 0; i < 4000 && !stop.get(); i++) {
                    out.write(ByteBuffer.wrap(record));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        try {
            for (int i = 0; i < 50 && writer.isAlive(); i++) {
                byte[] read = await(engine.readAllBytes(growing));
                assertTrue(read.length >= 64 * 1024, "shorter than before the appends: " + read.length);
                byte[] now = Files.readAllBytes(growing);
                assertTrue(now.length >= read.length);
                assertArrayEquals(Arrays.copyOf(now, read.length), read, "a prefix of the file");
            }
        } finally {
            stop.set(true);
            writer.join();
        }
    }

    @Test
    void wholeFileHelpersRejectWhatFilesRejects() throws IOException {
        Path path = fileWith("bad.txt", new byte[] {'o', 'k', (byte) 0xC3}); // truncated UTF-8 sequence
        failsWith(MalformedInputException.class, engine.readString(path));
        failsWith(MalformedInputException.class, engine.readString(path, StandardCharsets.UTF_8));
        failsWith(UnmappableCharacterException.class,
                engine.writeString(dir.resolve("x.txt"), "ünïcode", StandardCharsets.US_ASCII));
        assertThrows(IllegalArgumentException.class, () -> engine.write(path, new byte[1], READ));
        failsWith(FileAlreadyExistsException.class, engine.write(path, new byte[1], CREATE_NEW));
        failsWith(NoSuchFileException.class, engine.write(dir.resolve("missing"), new byte[1], WRITE));
        failsWith(NoSuchFileException.class, engine.readAllBytes(dir.resolve("missing")));
        failsWith(NoSuchFileException.class, engine.size(dir.resolve("missing")));
    }

    /**
     * Text is encoded as Files.writeString encodes it, asked live for every charset and input here: the same bytes,
     * or the same exception with the same message. The JDK reports an unpaired surrogate in UTF-8 and any
     * unencodable character in ISO-8859-1 as UnmappableCharacterException (length 1), where a CharsetEncoder says
     * MalformedInputException (or a longer length); other charsets fail as their encoder does.
     */
    @Test
    void writeStringAndWriteAtomicallyEncodeAsFilesWriteString() throws IOException {
        List<String> inputs = List.of("", "abc", "\u00e9", "\u20ac", "\ud800", "a\udc00b", "x\ud800", "\ud83d\ude00",
                "\u00e9\ud83d\ude00", "a\u00e9\u20ac\ud83d\ude00\ud800");
        List<java.nio.charset.Charset> charsets = new ArrayList<>(List.of(StandardCharsets.UTF_8,
                StandardCharsets.ISO_8859_1, StandardCharsets.US_ASCII, StandardCharsets.UTF_16,
                StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE));
        for (String name : List.of("UTF-32", "windows-1252", "Shift_JIS")) {
            if (java.nio.charset.Charset.isSupported(name)) {
                charsets.add(java.nio.charset.Charset.forName(name));
            }
        }
        Path jdkFile = dir.resolve("jdk.txt");
        Path ours = dir.resolve("ours.txt");
        Path atomic = dir.resolve("atomic.txt");
        List<String> differences = new ArrayList<>();
        for (java.nio.charset.Charset charset : charsets) {
            for (String text : inputs) {
                String expected;
                try {
                    Files.writeString(jdkFile, text, charset);
                    expected = Arrays.toString(Files.readAllBytes(jdkFile));
                } catch (java.nio.charset.CharacterCodingException e) {
                    expected = e.getClass().getSimpleName() + ": " + e.getMessage();
                }
                String what = charset + " " + text.chars().mapToObj(c -> String.format("%04x", c)).toList();
                Files.deleteIfExists(ours);
                Files.deleteIfExists(atomic);
                String written = outcome(engine.writeString(ours, text, charset), ours);
                String replaced = outcome(engine.writeAtomically(atomic, text, charset), atomic);
                if (!expected.equals(written)) {
                    differences.add("writeString " + what + ": JDK " + expected + ", Ringfile " + written);
                }
                if (!expected.equals(replaced)) {
                    differences.add("writeAtomically " + what + ": JDK " + expected + ", Ringfile " + replaced);
                }
                if (charset == StandardCharsets.UTF_8) {
                    String defaulted = outcome(engine.writeString(ours, text), ours);
                    if (!expected.equals(defaulted)) {
                        differences.add("writeString (UTF-8 by default) " + what + ": JDK " + expected
                                + ", Ringfile " + defaulted);
                    }
                }
            }
        }
        assertEquals(List.of(), differences, String.join("\n", differences));
    }

    /** The bytes a write left in {@code path}, or its encoding exception and message. */
    private static String outcome(CompletableFuture<Path> write, Path path) throws IOException {
        try {
            write.get(WAIT_SECONDS, TimeUnit.SECONDS);
            return Arrays.toString(Files.readAllBytes(path));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            assertInstanceOf(java.nio.charset.CharacterCodingException.class, cause);
            assertFalse(Files.exists(path), "nothing written when the text cannot be encoded");
            return cause.getClass().getSimpleName() + ": " + cause.getMessage();
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("the write did not complete", e);
        }
    }

    @Test
    void openOptionsBehaveAsFileChannelOpen() throws IOException {
        Path path = dir.resolve("opts.bin");
        failsWith(NoSuchFileException.class, engine.open(path));
        failsWith(NoSuchFileException.class, engine.open(path, WRITE));
        await(engine.open(path, CREATE, WRITE)).close();
        assertTrue(Files.exists(path));
        failsWith(FileAlreadyExistsException.class, engine.open(path, CREATE_NEW, WRITE));
        assertThrows(IllegalArgumentException.class, () -> engine.open(path, READ, APPEND));
        assertThrows(IllegalArgumentException.class, () -> engine.open(path, APPEND, TRUNCATE_EXISTING));
        assertThrows(UnsupportedOperationException.class, () -> engine.open(path, new java.nio.file.OpenOption() {
        }));

        Files.write(path, new byte[] {1, 2, 3});
        try (AsyncFile file = await(engine.open(path, WRITE, TRUNCATE_EXISTING))) {
            assertEquals(0L, await(file.size()));
        }
        Files.write(path, new byte[] {1, 2, 3});
        try (AsyncFile file = await(engine.open(path, APPEND))) {
            await(file.write(ByteBuffer.wrap(new byte[] {4}), 0)); // O_APPEND: Linux writes at the end
        }
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(path));

        Path temp = dir.resolve("temp.bin");
        AsyncFile deleted = await(engine.open(temp, CREATE_NEW, WRITE, DELETE_ON_CLOSE));
        await(deleted.write(ByteBuffer.wrap(new byte[] {9}), 0));
        deleted.close();
        assertFalse(Files.exists(temp), "DELETE_ON_CLOSE removed the file");

        Path restricted = dir.resolve("perm.bin");
        await(engine.open(restricted, Set.of(CREATE_NEW, WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))).close();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(restricted)));
    }

    /**
     * DELETE_ON_CLOSE and NOFOLLOW_LINKS never open a file through a symbolic link (the JDK opens with O_NOFOLLOW, so
     * that closing cannot delete the link and leave its target, or delete a file the link points at): both fail as
     * FileChannel.open fails, asked live. Where the JDK throws a bare IOException (its ELOOP message has no path),
     * Ringfile throws a FileSystemException naming the path with the JDK's message as its reason.
     */
    @Test
    void symbolicLinksAreNotOpenedWithDeleteOnCloseOrNofollowLinksAsTheJdkRefusesThem() throws IOException {
        Path target = fileWith("link-target.txt", new byte[] {1, 2, 3});
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
        List<Set<java.nio.file.OpenOption>> cases = List.of(
                Set.of(READ, DELETE_ON_CLOSE), Set.of(WRITE, DELETE_ON_CLOSE), Set.of(READ, WRITE, DELETE_ON_CLOSE),
                Set.of(CREATE, WRITE, DELETE_ON_CLOSE), Set.of(CREATE_NEW, WRITE, DELETE_ON_CLOSE),
                Set.of(READ, LinkOption.NOFOLLOW_LINKS), Set.of(CREATE, WRITE, LinkOption.NOFOLLOW_LINKS),
                Set.of(WRITE, TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS));
        for (Path path : List.of(link, dangling)) {
            for (Set<java.nio.file.OpenOption> options : cases) {
                String what = path.getFileName() + " " + options;
                IOException jdk;
                try (java.nio.channels.FileChannel opened = java.nio.channels.FileChannel.open(path, options)) {
                    throw new AssertionError("the JDK opened " + what + ": the case tests nothing");
                } catch (IOException e) {
                    jdk = e;
                }
                Throwable ours = failure(engine.open(path, options));
                if (jdk instanceof FileSystemException) {
                    assertEquals(jdk.getClass(), ours.getClass(), what + ": " + ours);
                    assertEquals(((FileSystemException) jdk).getReason(), ((FileSystemException) ours).getReason(),
                            what);
                } else {
                    FileSystemException e = assertInstanceOf(FileSystemException.class, ours, what + ": " + ours);
                    assertEquals(FileSystemException.class, e.getClass(), what + ": " + ours);
                    assertEquals(jdk.getMessage(), e.getReason(), what);
                    assertEquals(path.toString(), e.getFile(), what);
                }
                assertTrue(Files.isSymbolicLink(path), what + ": the link is still there");
            }
        }
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target), "the target is untouched");
        assertFalse(Files.exists(dir.resolve("nowhere")), "nothing was created through the dangling link");

        // The JDK's one exception: CREATE_NEW without WRITE neither creates nor adds O_NOFOLLOW, so it opens the
        // target and deletes the link on close. Both backends do what it does, no more.
        Set<java.nio.file.OpenOption> quirk = Set.of(READ, CREATE_NEW, DELETE_ON_CLOSE);
        java.nio.channels.FileChannel.open(link, quirk).close();
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS), "the JDK deleted the link");
        Files.createSymbolicLink(link, target);
        await(engine.open(link, quirk)).close();
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS), "Ringfile deleted the link, as the JDK did");
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target), "the target is untouched");
    }

    // ---------------------------------------------------------------- other file-system providers

    /**
     * jrt has no FileChannel (newFileChannel throws UnsupportedOperationException) and its byte channel cannot be
     * positioned: whole-file reads go through Files.newByteChannel, in order, as Files.readAllBytes does.
     */
    @Test
    void jrtPathsAreReadAsFilesReadsThem() throws IOException {
        Path object = Path.of(java.net.URI.create("jrt:/java.base/java/lang/Object.class"));
        assertArrayEquals(Files.readAllBytes(object), await(engine.readAllBytes(object)));
        assertEquals(Files.readString(object, StandardCharsets.ISO_8859_1),
                await(engine.readString(object, StandardCharsets.ISO_8859_1)));
        assertEquals(Files.readAllLines(object, StandardCharsets.ISO_8859_1),
                await(engine.readAllLines(object, StandardCharsets.ISO_8859_1)));
        assertEquals(Files.size(object), await(engine.size(object)));
        assertTrue(await(engine.isRegularFile(object)));
        try (AsyncFile file = await(engine.open(object))) {
            assertEquals(Files.size(object), await(file.size()));
            await(file.force(true)); // opened for reading: nothing was written, nothing to make durable
            FileSystemException e = failsWith(FileSystemException.class, file.read(ByteBuffer.allocate(8), 0));
            assertEquals("Illegal seek", e.getReason(), "no positional reads on a channel that cannot seek");
        }
        failsWith(java.nio.file.ReadOnlyFileSystemException.class, engine.write(object, new byte[1]));
    }

    /**
     * A provider with newByteChannel but no newFileChannel, over real files so that writes can be checked: every
     * whole-file, text and positional operation works as Files works there; positional transfers (emulated by
     * seeking the channel under the file's lock) keep their data when many are in flight; force fails when the
     * file was written, because such a channel cannot make data durable (never reported as done).
     */
    @Test
    void pathsOfAProviderWithoutFileChannelsWorkThroughItsByteChannels() throws IOException {
        NoFileChannelFileSystem fs = new NoFileChannelFileSystem();
        Path real = dir.resolve("plain-channel.txt");
        Path path = fs.wrap(real);
        assertThrows(UnsupportedOperationException.class,
                () -> java.nio.channels.FileChannel.open(path, READ), "the provider really has no FileChannel");

        byte[] data = random(3 * 1024 * 1024 + 11, 60);
        assertEquals(path, await(engine.write(path, data)));
        assertArrayEquals(data, Files.readAllBytes(real));
        assertArrayEquals(data, await(engine.readAllBytes(path)));
        assertEquals((long) data.length, await(engine.size(path)));

        await(engine.writeString(path, "alpha\nbeta\n"));
        assertEquals("alpha\nbeta\n", Files.readString(real));
        assertEquals("alpha\nbeta\n", await(engine.readString(path)));
        assertEquals(List.of("alpha", "beta"), await(engine.readAllLines(path)));
        try (AsyncWriter writer = await(engine.newBufferedWriter(path, APPEND))) {
            await(writer.write("gamma"));
        }
        try (AsyncReader reader = await(engine.newBufferedReader(path))) {
            assertEquals("alpha", await(reader.readLine()));
            assertEquals("beta", await(reader.readLine()));
            assertEquals("gamma", await(reader.readLine()));
        }

        int block = 64 * 1024;
        int blocks = 32;
        try (AsyncFile file = await(engine.open(path, READ, WRITE, TRUNCATE_EXISTING))) {
            for (int round = 0; round < 5; round++) { // many transfers in flight at once, out of order
                List<CompletableFuture<Integer>> writes = new ArrayList<>();
                for (int i = blocks - 1; i >= 0; i--) {
                    byte[] content = new byte[block];
                    Arrays.fill(content, (byte) (i + round));
                    writes.add(file.writeFully(ByteBuffer.wrap(content), (long) i * block));
                }
                List<CompletableFuture<Integer>> reads = new ArrayList<>();
                List<ByteBuffer> buffers = new ArrayList<>();
                for (int i = 0; i < blocks; i++) {
                    ByteBuffer dst = ByteBuffer.allocateDirect(block);
                    buffers.add(dst);
                    int index = i;
                    reads.add(writes.get(blocks - 1 - i).thenCompose(n -> file.readFully(dst, (long) index * block)));
                }
                for (int i = 0; i < blocks; i++) {
                    assertEquals(block, await(reads.get(i)));
                    ByteBuffer dst = buffers.get(i).flip();
                    while (dst.hasRemaining()) {
                        assertEquals((byte) (i + round), dst.get(), "round " + round + ", block " + i);
                    }
                }
            }
            assertEquals((long) blocks * block, await(file.size()));
            assertEquals(-1, await(file.read(ByteBuffer.allocate(1), (long) blocks * block)));
            file.position(10 * block);
            await(file.truncate(2 * block));
            assertEquals(2L * block, await(file.size()));
            assertEquals(2L * block, file.position());
            failsWith(UnsupportedOperationException.class, file.force(false));
        }
        try (AsyncFile readOnly = await(engine.open(path, READ))) {
            await(readOnly.force(false)); // nothing written through this handle
        }
        assertEquals(2L * block, Files.size(real));
        await(engine.delete(path));
        assertFalse(Files.exists(real));
    }

    // ---------------------------------------------------------------- a large file

    @Test
    @Timeout(300)
    void a256MiBFileWrittenAndReadBackKeepsItsChecksum() throws IOException {
        Path path = dir.resolve("large.bin");
        int block = 4 * 1024 * 1024;
        int blocks = 64; // 256 MiB
        int window = 8;
        CRC32 written = new CRC32();
        byte[] pattern = random(block, 8);
        try (AsyncFile file = await(engine.open(path, CREATE_NEW, READ, WRITE))) {
            List<CompletableFuture<Integer>> inFlight = new ArrayList<>();
            for (int i = 0; i < blocks; i++) {
                pattern[0] = (byte) i; // every block differs
                written.update(pattern);
                ByteBuffer src = ByteBuffer.allocateDirect(block).put(pattern).flip();
                inFlight.add(file.writeFully(src, (long) i * block));
                if (inFlight.size() == window) {
                    assertEquals(block, await(inFlight.remove(0)));
                }
            }
            for (CompletableFuture<Integer> f : inFlight) {
                assertEquals(block, await(f));
            }
            await(file.force(false));
            assertEquals((long) block * blocks, await(file.size()));

            CRC32 read = new CRC32();
            List<ByteBuffer> buffers = new ArrayList<>();
            List<CompletableFuture<Integer>> reads = new ArrayList<>();
            for (int i = 0; i < blocks; i++) {
                ByteBuffer dst = ByteBuffer.allocateDirect(block);
                buffers.add(dst);
                reads.add(file.readFully(dst, (long) i * block));
                if (reads.size() == window) {
                    assertEquals(block, await(reads.remove(0)));
                    read.update(buffers.remove(0).flip());
                }
            }
            for (int i = 0; i < reads.size(); i++) {
                assertEquals(block, await(reads.get(i)));
                read.update(buffers.get(i).flip());
            }
            assertEquals(written.getValue(), read.getValue());
        }
        CRC32 onDisk = new CRC32();
        try (var in = Files.newInputStream(path)) {
            byte[] chunk = new byte[1 << 20];
            for (int n; (n = in.read(chunk)) > 0; ) {
                onDisk.update(chunk, 0, n);
            }
        }
        assertEquals(written.getValue(), onDisk.getValue(), "java.io reads the same bytes");
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    @Timeout(120)
    void aThousandOperationsInFlightFromSixteenThreadsKeepTheirData() throws Exception {
        Path path = dir.resolve("concurrent.bin");
        int threads = 16;
        int perThread = 32; // 32 writes then 32 reads each: 512 writes and 512 reads in flight
        int block = 4096;
        try (AsyncFile file = await(engine.open(path, CREATE_NEW, READ, WRITE))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<java.util.concurrent.Future<List<CompletableFuture<Integer>>>> submitted = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    submitted.add(pool.submit(() -> {
                        go.await();
                        List<CompletableFuture<Integer>> ops = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            long slot = (long) thread * perThread + i;
                            ByteBuffer src = ByteBuffer.allocateDirect(block);
                            while (src.hasRemaining()) {
                                src.putLong(slot * 1_000_003L + src.position());
                            }
                            ops.add(file.writeFully(src.flip(), slot * block));
                        }
                        return ops;
                    }));
                }
                go.countDown();
                for (var f : submitted) {
                    for (CompletableFuture<Integer> op : f.get(WAIT_SECONDS, TimeUnit.SECONDS)) {
                        assertEquals(block, await(op));
                    }
                }
                CountDownLatch goRead = new CountDownLatch(1);
                List<java.util.concurrent.Future<Integer>> checks = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    checks.add(pool.submit(() -> {
                        goRead.await();
                        List<ByteBuffer> dsts = new ArrayList<>();
                        List<CompletableFuture<Integer>> ops = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            long slot = (long) thread * perThread + i;
                            ByteBuffer dst = i % 2 == 0 ? ByteBuffer.allocateDirect(block) : ByteBuffer.allocate(block);
                            dsts.add(dst);
                            ops.add(file.readFully(dst, slot * block));
                        }
                        int verified = 0;
                        for (int i = 0; i < perThread; i++) {
                            long slot = (long) thread * perThread + i;
                            assertEquals(block, await(ops.get(i)));
                            ByteBuffer dst = dsts.get(i).flip();
                            while (dst.hasRemaining()) {
                                assertEquals(slot * 1_000_003L + dst.position(), dst.getLong(), "slot " + slot);
                            }
                            verified++;
                        }
                        return verified;
                    }));
                }
                goRead.countDown();
                int total = 0;
                for (var c : checks) {
                    total += c.get(WAIT_SECONDS, TimeUnit.SECONDS);
                }
                assertEquals(threads * perThread, total);
            } finally {
                pool.shutdownNow();
            }
        }
        assertEquals((long) threads * perThread * block, Files.size(path));
    }

    // ---------------------------------------------------------------- errors

    @Test
    void missingFilesAndParentsFailWithNoSuchFileExceptionNamingThePath() {
        Path missing = dir.resolve("nope.bin");
        NoSuchFileException e = failsWith(NoSuchFileException.class, engine.open(missing));
        assertEquals(missing.toString(), e.getFile());
        Path noParent = dir.resolve("no/such/dir/file.bin");
        e = failsWith(NoSuchFileException.class, engine.open(noParent, CREATE, WRITE));
        assertTrue(e.getMessage().contains(noParent.toString()), e.getMessage());
    }

    @Test
    void permissionProblemsFailWithAccessDeniedException() throws Exception {
        if (isRoot()) {
            // Root passes permission bits; sysfs still refuses writes to read-only attributes with EACCES.
            Path readOnlyAttribute = Path.of("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
            Assumptions.assumeTrue(Files.exists(readOnlyAttribute), "needs sysfs");
            AccessDeniedException e = failsWith(AccessDeniedException.class, engine.open(readOnlyAttribute, WRITE));
            assertEquals(readOnlyAttribute.toString(), e.getFile());
            // EPERM: an immutable file cannot be opened for writing, even by root.
            Path immutable = fileWith("immutable.bin", new byte[1]);
            Assumptions.assumeTrue(run("chattr", "+i", immutable.toString()) == 0, "chattr +i works here");
            try {
                e = failsWith(AccessDeniedException.class, engine.open(immutable, WRITE));
                assertEquals(immutable.toString(), e.getFile());
            } finally {
                run("chattr", "-i", immutable.toString());
            }
        } else {
            Path locked = fileWith("locked.bin", new byte[1]);
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
            AccessDeniedException e = failsWith(AccessDeniedException.class, engine.open(locked, READ));
            assertEquals(locked.toString(), e.getFile());
        }
    }

    @Test
    void pathErrorsMapToTheirExceptions() throws IOException {
        Path file = fileWith("plain.bin", new byte[1]);
        NotDirectoryException notDir = failsWith(NotDirectoryException.class, engine.open(file.resolve("child")));
        assertTrue(notDir.getMessage().contains("plain.bin"), notDir.getMessage());

        FileSystemException isDir = failsWith(FileSystemException.class, engine.open(dir, WRITE));
        assertEquals("Is a directory", isDir.getReason());
        assertEquals(dir.toString(), isDir.getFile());

        Path tooLong = dir.resolve("x".repeat(300));
        FileSystemException nameTooLong = failsWith(FileSystemException.class, engine.open(tooLong));
        assertEquals("File name too long", nameTooLong.getReason());

        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, file);
        FileSystemException loop = failsWith(FileSystemException.class,
                engine.open(link, READ, LinkOption.NOFOLLOW_LINKS));
        assertTrue(loop.getReason().startsWith("Too many levels of symbolic links"), loop.getReason());
    }

    @Test
    void readingADirectoryFailsWithFileSystemException() throws IOException {
        try (AsyncFile directory = await(engine.open(dir, READ))) {
            FileSystemException e = failsWith(FileSystemException.class,
                    directory.read(ByteBuffer.allocate(10), 0));
            assertEquals("Is a directory", e.getReason());
            assertEquals(dir.toString(), e.getFile());
        }
    }

    @Test
    void positionalIoOnAPipeFailsWithIllegalSeek() throws Exception {
        Path fifo = dir.resolve("fifo");
        Assumptions.assumeTrue(run("mkfifo", fifo.toString()) == 0, "mkfifo works here");
        try (AsyncFile pipe = await(engine.open(fifo, READ, WRITE))) {
            FileSystemException e = failsWith(FileSystemException.class, pipe.write(ByteBuffer.wrap(new byte[1]), 0));
            assertEquals("Illegal seek", e.getReason());
            e = failsWith(FileSystemException.class, pipe.read(ByteBuffer.allocateDirect(1), 0));
            assertEquals("Illegal seek", e.getReason());
        }
    }

    /**
     * Cursor reads and writes on a FIFO go in order at its own position, as a stream's do (aiofiles reads a pipe
     * the same way): they do not fail with "Illegal seek" because the cursor is a number. The cursor counts the
     * bytes moved.
     */
    @Test
    void cursorIoOnAPipeGoesInOrder() throws Exception {
        Path fifo = dir.resolve("cursor-fifo");
        Assumptions.assumeTrue(run("mkfifo", fifo.toString()) == 0, "mkfifo works here");
        try (AsyncFile pipe = await(engine.open(fifo, READ, WRITE))) { // read-write: the open does not wait
            assertEquals(5, await(pipe.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)))));
            assertEquals(6, await(pipe.write(ByteBuffer.wrap(", pipe".getBytes(StandardCharsets.US_ASCII)))));
            ByteBuffer first = ByteBuffer.allocate(5);
            assertEquals(5, await(pipe.read(first)));
            ByteBuffer rest = ByteBuffer.allocateDirect(16);
            assertEquals(6, await(pipe.read(rest)));
            rest.flip();
            byte[] tail = new byte[rest.remaining()];
            rest.get(tail);
            assertEquals("hello", new String(first.array(), StandardCharsets.US_ASCII));
            assertEquals(", pipe", new String(tail, StandardCharsets.US_ASCII));
            assertEquals(22, pipe.position(), "the cursor counts what both directions moved");
        }
    }

    /**
     * Whole-file operations on a FIFO read (or write) it in order at its own position until end of file, as
     * Files.readAllBytes and Files.write do, instead of failing with "Illegal seek". The data is larger than the
     * pipe's buffer, so the other side must run at the same time: a thread writes (or reads) with the JDK.
     */
    @Test
    @Timeout(300)
    void wholeFileOperationsOnAFifoReadAndWriteInOrder() throws Exception {
        Path fifo = dir.resolve("whole-fifo");
        Assumptions.assumeTrue(run("mkfifo", fifo.toString()) == 0, "mkfifo works here");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 30_000; i++) {
            text.append("line ").append(i).append(i % 3 == 0 ? "\r\n" : "\n");
        }
        byte[] data = text.toString().getBytes(StandardCharsets.UTF_8); // about 330 KB, five pipe buffers
        List<String> lines = Arrays.asList(text.toString().split("\r?\n"));

        assertArrayEquals(data, withFifoWriter(fifo, data, () -> engine.readAllBytes(fifo)), "readAllBytes");
        assertEquals(text.toString(), withFifoWriter(fifo, data, () -> engine.readString(fifo)), "readString");
        assertEquals(lines, withFifoWriter(fifo, data, () -> engine.readAllLines(fifo)), "readAllLines");
        assertEquals(lines, withFifoWriter(fifo, data, () -> {
            List<String> pushed = java.util.Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<List<String>> done = new CompletableFuture<>();
            engine.lines(fifo).subscribe(new java.util.concurrent.Flow.Subscriber<>() {
                @Override
                public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
                    subscription.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(String line) {
                    pushed.add(line);
                }

                @Override
                public void onError(Throwable error) {
                    done.completeExceptionally(error);
                }

                @Override
                public void onComplete() {
                    done.complete(pushed);
                }
            });
            return done;
        }), "lines");
        assertEquals(lines, withFifoWriter(fifo, data, () -> CompletableFuture.supplyAsync(() -> {
            try (AsyncReader reader = await(engine.newBufferedReader(fifo))) {
                List<String> read = new ArrayList<>();
                for (String line = await(reader.readLine()); line != null; line = await(reader.readLine())) {
                    read.add(line);
                }
                return read;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, daemon())), "newBufferedReader");

        assertArrayEquals(data, withFifoReader(fifo, () -> engine.write(fifo, data)), "write");
        assertArrayEquals(data, withFifoReader(fifo, () -> engine.writeString(fifo, text)), "writeString");
        assertArrayEquals(data, withFifoReader(fifo, () -> engine.newBufferedWriter(fifo).thenCompose(writer ->
                writer.write(text).thenCompose(v -> writer.closeAsync()))), "newBufferedWriter");
    }

    /**
     * Opening a FIFO waits for the other side, as {@code FileChannel.open} and {@code Files.readAllBytes} do:
     * an open made without waiting (io_uring tries one first, with O_NONBLOCK) must not hand back a reader that finds
     * end of file because no writer has come yet, nor fail a writer with ENXIO because no reader has.
     */
    @Test
    @Timeout(60)
    void openingAFifoWaitsForTheOtherSideAsTheJdkDoes() throws Exception {
        Path fifo = dir.resolve("late-writer-fifo");
        Assumptions.assumeTrue(run("mkfifo", fifo.toString()) == 0, "mkfifo works here");
        byte[] data = "written after the reader came".getBytes(StandardCharsets.UTF_8);

        CompletableFuture<byte[]> whole = engine.readAllBytes(fifo);
        Thread.sleep(300);
        assertFalse(whole.isDone(), () -> "readAllBytes waits for a writer, but gave " + whole.handle((b, e) ->
                e != null ? e.toString() : b.length + " bytes").join());
        try (java.io.OutputStream out = Files.newOutputStream(fifo)) { // a reader waits: this open goes through
            out.write(data);
        }
        assertArrayEquals(data, await(whole), "readAllBytes");

        CompletableFuture<AsyncFile> opening = engine.open(fifo, READ);
        Thread.sleep(300);
        assertFalse(opening.isDone(), () -> "open(READ) waits for a writer, but gave " + opening.handle((f, e) ->
                e != null ? e.toString() : f.toString()).join());
        try (java.io.OutputStream out = Files.newOutputStream(fifo)) { // goes through: a reader waits
            AsyncFile reader = await(opening);
            await(reader.closeAsync());
        }

        // The other way round: a writer's open waits for a reader (a non-waiting attempt fails with ENXIO).
        CompletableFuture<AsyncFile> writing = engine.open(fifo, WRITE);
        Thread.sleep(300);
        assertFalse(writing.isDone(), () -> "open(WRITE) waits for a reader, but gave " + writing.handle((f, e) ->
                e != null ? e.toString() : f.toString()).join());
        try (java.io.InputStream in = Files.newInputStream(fifo)) {
            AsyncFile writer = await(writing);
            await(writer.closeAsync());
            assertEquals(-1, in.read(), "the writer closed without writing");
        }
    }

    /** A regular-file-only open's failure within a few seconds (never a wait for a FIFO's other side). */
    private static FileSystemException notRegular(CompletableFuture<AsyncFile> opening, Path path) throws Exception {
        Throwable error;
        try {
            AsyncFile file = opening.get(5, TimeUnit.SECONDS);
            file.close();
            throw new AssertionError("REGULAR_FILE_ONLY opened " + path);
        } catch (ExecutionException e) {
            error = e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("REGULAR_FILE_ONLY waited at " + path, e);
        }
        FileSystemException fse = assertInstanceOf(FileSystemException.class, error, error::toString);
        assertEquals(path.toString(), fse.getFile(), "the failure names the path");
        return fse;
    }

    @Test
    @Timeout(60)
    void aRegularFileOnlyOpenRefusesAnythingElseWithoutWaiting() throws Exception {
        Path file = dir.resolve("plain");
        Files.write(file, new byte[] {1, 2, 3});
        try (AsyncFile f = await(engine.open(file, READ, RingfileOpenOption.REGULAR_FILE_ONLY))) {
            ByteBuffer b = ByteBuffer.allocate(8);
            assertEquals(3, await(f.read(b, 0)));
        }
        try (AsyncFile f = await(engine.open(file, Set.of(READ, RingfileOpenOption.REGULAR_FILE_ONLY)))) {
            assertEquals(3L, await(f.size()), "the option in a set");
        }

        assertEquals("Not a regular file",
                notRegular(engine.open(dir, READ, RingfileOpenOption.REGULAR_FILE_ONLY), dir).getReason());
        Path devNull = Path.of("/dev/null");
        if (Files.exists(devNull)) {
            assertEquals("Not a regular file", notRegular(engine.open(devNull, READ,
                    RingfileOpenOption.REGULAR_FILE_ONLY), devNull).getReason(), "a character device");
        }
        Path socket = dir.resolve("socket");
        try (java.nio.channels.ServerSocketChannel listening = java.nio.channels.ServerSocketChannel.open(
                java.net.StandardProtocolFamily.UNIX)) {
            listening.bind(java.net.UnixDomainSocketAddress.of(socket)); // open(2) of it fails with ENXIO
            assertEquals("Not a regular file", notRegular(engine.open(socket, READ,
                    RingfileOpenOption.REGULAR_FILE_ONLY), socket).getReason(), "a socket");
        }
        Path fifo = dir.resolve("nobody-writes");
        Assumptions.assumeTrue(run("mkfifo", fifo.toString()) == 0, "mkfifo works here");
        assertEquals("Not a regular file", notRegular(engine.open(fifo, READ,
                RingfileOpenOption.REGULAR_FILE_ONLY), fifo).getReason(), "a FIFO without a writer, for reading");
        assertEquals("Not a regular file", notRegular(engine.open(fifo, WRITE,
                RingfileOpenOption.REGULAR_FILE_ONLY), fifo).getReason(), "a FIFO without a reader, for writing");

        // Links follow the usual options: refused with NOFOLLOW_LINKS, followed to the regular file without.
        Path link = dir.resolve("link-to-plain");
        Files.createSymbolicLink(link, file);
        failsWith(FileSystemException.class,
                engine.open(link, READ, LinkOption.NOFOLLOW_LINKS, RingfileOpenOption.REGULAR_FILE_ONLY));
        try (AsyncFile f = await(engine.open(link, READ, RingfileOpenOption.REGULAR_FILE_ONLY))) {
            assertEquals(3L, await(f.size()), "through a link");
        }
        failsWith(NoSuchFileException.class,
                engine.open(dir.resolve("missing"), READ, RingfileOpenOption.REGULAR_FILE_ONLY));
        // Writing is allowed too (the option only restricts the type).
        try (AsyncFile f = await(engine.open(file, WRITE, RingfileOpenOption.REGULAR_FILE_ONLY))) {
            assertEquals(1, await(f.write(ByteBuffer.wrap(new byte[] {9}), 3)));
        }
        assertArrayEquals(new byte[] {1, 2, 3, 9}, Files.readAllBytes(file));
    }

    /** A NO_SYMLINKS open's failure at a link: the JDK's kind of exception and wording, naming the whole path. */
    private static void refusedAtALink(CompletableFuture<AsyncFile> opening, Path path) {
        FileSystemException e = failsWith(FileSystemException.class, opening);
        assertEquals(FileSystemException.class, e.getClass(), e::toString);
        assertEquals(path.toString(), e.getFile(), "the failure names the path");
        assertTrue(e.getReason().startsWith("Too many levels of symbolic links"), e::toString);
    }

    @Test
    @Timeout(60)
    void aNoSymlinksOpenFollowsNoLinkOnAnyComponent() throws Exception {
        Path base = dir.toRealPath(); // no link above it either
        Path inside = Files.createDirectories(base.resolve("root/sub"));
        Files.writeString(inside.resolve("file"), "inside");
        Path outside = Files.createDirectories(base.resolve("outside/sub"));
        Files.writeString(outside.resolve("file"), "outside");
        Path linkedDir = Files.createSymbolicLink(base.resolve("root/linked"), base.resolve("outside"));
        Path finalLink = Files.createSymbolicLink(inside.resolve("final-link"), outside.resolve("file"));

        try (AsyncFile f = await(engine.open(inside.resolve("file"), READ, RingfileOpenOption.NO_SYMLINKS))) {
            ByteBuffer b = ByteBuffer.allocate(16);
            assertEquals(6, await(f.read(b, 0)), "a path without links opens");
        }
        Path throughDir = linkedDir.resolve("sub/file");
        try (AsyncFile f = await(engine.open(throughDir, READ))) {
            assertEquals(7L, await(f.size()), "without the option the link is followed");
        }
        refusedAtALink(engine.open(throughDir, READ, RingfileOpenOption.NO_SYMLINKS), throughDir);
        refusedAtALink(engine.open(throughDir, Set.of(READ, RingfileOpenOption.NO_SYMLINKS,
                RingfileOpenOption.REGULAR_FILE_ONLY)), throughDir);
        refusedAtALink(engine.open(finalLink, READ, RingfileOpenOption.NO_SYMLINKS), finalLink);
        Path created = linkedDir.resolve("sub/created");
        refusedAtALink(engine.open(created, WRITE, CREATE, RingfileOpenOption.NO_SYMLINKS), created);
        assertFalse(Files.exists(outside.resolve("created")), "nothing was created through the link");
        Path up = inside.resolve("../sub/file"); // ".." goes up a real directory
        try (AsyncFile f = await(engine.open(up, READ, RingfileOpenOption.NO_SYMLINKS))) {
            assertEquals(6L, await(f.size()));
        }
        failsWith(NoSuchFileException.class,
                engine.open(inside.resolve("missing"), READ, RingfileOpenOption.NO_SYMLINKS));
        try (AsyncFile f = await(engine.open(inside.resolve("new"), Set.of(WRITE, CREATE_NEW,
                RingfileOpenOption.NO_SYMLINKS)))) {
            assertEquals(2, await(f.write(ByteBuffer.wrap(new byte[] {4, 2}), 0)), "creating works too");
        }
        assertArrayEquals(new byte[] {4, 2}, Files.readAllBytes(inside.resolve("new")));
        Path root = base.getRoot(); // no name that could be a link: opened as without the option
        try (AsyncFile f = await(engine.open(root, READ, RingfileOpenOption.NO_SYMLINKS))) {
            assertTrue(await(f.readAttributes()).isDirectory(), "the root directory");
        }
    }

    /**
     * A directory swapped for a link to another tree while NO_SYMLINKS opens are made through its name: every open
     * either fails or opens the file inside, never the one the link leads to.
     */
    @Test
    @Timeout(60)
    void aNoSymlinksOpenNeverFollowsADirectorySwappedForALink() throws Exception {
        Path base = dir.toRealPath();
        Path real = Files.createDirectories(base.resolve("real"));
        Files.writeString(real.resolve("file"), "in");
        Path other = Files.createDirectories(base.resolve("other"));
        Files.writeString(other.resolve("file"), "out");
        Path swapped = base.resolve("swapped");
        Path spare = base.resolve("spare-link");
        Files.move(real, swapped);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread swapper = new Thread(() -> {
            try {
                while (!stop.get()) { // the name is by turns the real directory and a link to the other one
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                    Files.move(swapped, real, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Files.createSymbolicLink(spare, other);
                    Files.move(spare, swapped, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                    Files.delete(swapped);
                    Files.move(real, swapped, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "swapper");
        int opened = 0;
        int refused = 0;
        Path name = swapped.resolve("file");
        swapper.start();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < end && swapper.isAlive()) {
                CompletableFuture<AsyncFile> opening = engine.open(name, READ, RingfileOpenOption.NO_SYMLINKS);
                AsyncFile f;
                try {
                    f = opening.get(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    assertInstanceOf(FileSystemException.class, e.getCause(), e::toString); // a link, or no name
                    refused++;
                    continue;
                }
                try (f) {
                    ByteBuffer b = ByteBuffer.allocate(8);
                    int n = await(f.read(b, 0));
                    assertEquals("in", new String(b.array(), 0, n, java.nio.charset.StandardCharsets.US_ASCII),
                            "the open followed the swapped-in link");
                    opened++;
                }
            }
        } finally {
            stop.set(true);
            swapper.join(10_000);
        }
        assertFalse(swapper.isAlive());
        assertTrue(opened > 0 && refused > 0, "both outcomes were seen: opened " + opened + ", refused " + refused);
    }

    @Test
    void anOpenFilesAttributesAreItsOwnNotThoseOfWhatItsNameNamesNow() throws Exception {
        Path name = dir.resolve("served");
        Files.write(name, new byte[5]);
        AsyncFile file = await(engine.open(name, READ));
        java.nio.file.attribute.BasicFileAttributes byName =
                Files.readAttributes(name, java.nio.file.attribute.BasicFileAttributes.class);
        java.nio.file.attribute.BasicFileAttributes own = await(file.readAttributes());
        assertTrue(own.isRegularFile());
        assertFalse(own.isDirectory() || own.isSymbolicLink() || own.isOther());
        assertEquals(5L, own.size());
        Object key = await(engine.readAttributes(name, java.nio.file.attribute.BasicFileAttributes.class)).fileKey();
        assertEquals(key, own.fileKey(), "the file key, as the engine gives it for the name");
        assertEquals(byName.fileKey().toString(), own.fileKey().toString(), "the file key, as Files shows it");
        assertEquals(byName.lastModifiedTime(), own.lastModifiedTime());
        assertEquals(byName.lastAccessTime(), own.lastAccessTime());

        Files.write(name, new byte[7], APPEND); // the same file grows: seen
        assertEquals(12L, await(file.readAttributes()).size(), "current, not as opened");

        Path replacement = dir.resolve("replacement");
        Files.write(replacement, new byte[9]);
        Files.move(replacement, name, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        java.nio.file.attribute.BasicFileAttributes after = await(file.readAttributes());
        if (engine.backend() == FileEngine.Backend.IO_URING) {
            assertEquals(12L, after.size(), "the open file's own size, not its replacement's");
            assertEquals(key, after.fileKey(), "the open file's own key");
        } else { // documented: the NIO backend reads the name's attributes
            assertEquals(9L, after.size());
            assertNotEquals(key, after.fileKey());
        }
        await(file.closeAsync());
        failsWith(ClosedChannelException.class, file.readAttributes());
    }

    @Test
    void attributesAtOpenAreTheOpenFilesAsItWasWhenOpened() throws Exception {
        Path name = dir.resolve("opened");
        Files.write(name, new byte[5]);
        Files.setLastModifiedTime(name, java.nio.file.attribute.FileTime.fromMillis(1_600_000_000_123L));
        java.nio.file.attribute.BasicFileAttributes byName =
                Files.readAttributes(name, java.nio.file.attribute.BasicFileAttributes.class);
        for (Set<? extends java.nio.file.OpenOption> options : List.of(Set.of(READ), Set.of(READ, WRITE),
                Set.of(READ, java.nio.file.LinkOption.NOFOLLOW_LINKS, RingfileOpenOption.REGULAR_FILE_ONLY))) {
            try (AsyncFile file = await(engine.open(name, options))) {
                java.util.Optional<java.nio.file.attribute.BasicFileAttributes> atOpen = file.attributesAtOpen();
                if (engine.backend() == FileEngine.Backend.NIO) {
                    assertTrue(atOpen.isEmpty(), "documented: the NIO backend has no descriptor to ask at open");
                    continue;
                }
                java.nio.file.attribute.BasicFileAttributes a = atOpen.orElseThrow(
                        () -> new AssertionError("io_uring reads them at every open: " + options));
                assertTrue(a.isRegularFile(), options::toString);
                assertFalse(a.isDirectory() || a.isSymbolicLink() || a.isOther());
                assertEquals(5L, a.size());
                assertEquals(byName.lastModifiedTime(), a.lastModifiedTime());
                assertEquals(byName.lastAccessTime(), a.lastAccessTime());
                assertEquals(byName.fileKey().toString(), a.fileKey().toString());
                java.nio.file.attribute.BasicFileAttributes now = await(file.readAttributes());
                assertEquals(now.fileKey(), a.fileKey());
                assertEquals(now.creationTime(), a.creationTime(), "birth time where the kernel gives it");

                Files.write(name, new byte[7], APPEND); // the file changes after the open: not refreshed
                assertEquals(5L, file.attributesAtOpen().orElseThrow().size(), "as opened");
                assertEquals(12L, await(file.readAttributes()).size(), "readAttributes reads them now");
                Files.write(name, new byte[5]);
                Files.setLastModifiedTime(name, byName.lastModifiedTime());
            }
        }
    }

    /** Runs {@code read} while a thread writes {@code data} into the FIFO with the JDK; the read's result. */
    private static <T> T withFifoWriter(Path fifo, byte[] data,
                                        java.util.function.Supplier<CompletableFuture<T>> read) throws Exception {
        CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
            try (java.io.OutputStream out = Files.newOutputStream(fifo)) { // blocks until the reader opens
                out.write(data);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, daemon());
        try {
            T result = await(read.get());
            await(written);
            return result;
        } finally {
            release(fifo, written, StandardOpenOption.READ);
        }
    }

    /** Runs {@code write} while a thread reads the FIFO to its end with the JDK; the bytes it read. */
    private static byte[] withFifoReader(Path fifo, java.util.function.Supplier<CompletableFuture<?>> write)
            throws Exception {
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readAllBytes(fifo); // blocks until the writer opens
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, daemon());
        try {
            await(write.get());
            return await(read);
        } finally {
            release(fifo, read, StandardOpenOption.WRITE);
        }
    }

    private static Executor daemon() {
        return task -> {
            Thread thread = new Thread(task, "fifo-peer");
            thread.setDaemon(true);
            thread.start();
        };
    }

    /** A peer still blocked opening the FIFO (the engine failed before opening it) is let go. */
    private static void release(Path fifo, CompletableFuture<?> peer, StandardOpenOption side) {
        if (!peer.isDone()) {
            try (java.nio.channels.FileChannel unblock = java.nio.channels.FileChannel.open(fifo, side)) {
                peer.handle((v, e) -> null).get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the test has already failed; this only frees the peer thread
            }
        }
    }

    @Test
    void invalidArgumentsThrowBeforeAnythingIsSubmitted() throws IOException {
        Path path = fileWith("args.bin", new byte[10]);
        try (AsyncFile reader = await(engine.open(path, READ));
             AsyncFile writer = await(engine.open(path, WRITE))) {
            assertThrows(IllegalArgumentException.class, () -> reader.read(ByteBuffer.allocate(1), -1));
            assertThrows(IllegalArgumentException.class, () -> reader.readFully(ByteBuffer.allocate(1), Long.MIN_VALUE));
            assertThrows(IllegalArgumentException.class, () -> writer.write(ByteBuffer.allocate(1), -5));
            assertThrows(IllegalArgumentException.class,
                    () -> reader.read(ByteBuffer.allocate(1).asReadOnlyBuffer(), 0));
            assertThrows(IllegalArgumentException.class, () -> writer.truncate(-1));
            assertThrows(NullPointerException.class, () -> reader.read((ByteBuffer) null, 0));
            assertThrows(NullPointerException.class, () -> reader.read((ByteBuf) null, 0));
            assertThrows(NullPointerException.class, () -> writer.write((ByteBuffer) null, 0));
            assertThrows(NullPointerException.class, () -> engine.open(null));
            assertThrows(NullPointerException.class, () -> engine.readAllBytes(null));
            assertThrows(NullPointerException.class, () -> engine.write(path, null));
            assertThrows(NonWritableChannelException.class, () -> reader.write(ByteBuffer.allocate(1), 0));
            assertThrows(NonWritableChannelException.class, () -> reader.truncate(0));
            assertThrows(NonReadableChannelException.class, () -> writer.read(ByteBuffer.allocate(1), 0));
            ByteBuf buf = Unpooled.buffer(4);
            assertThrows(NonReadableChannelException.class, () -> writer.read(buf, 0));
            assertEquals(1, buf.refCnt(), "a rejected call takes no reference");
            buf.release();
        }
    }

    @Test
    void nullArgumentsAreRejectedAsTheJdkRejectsThem() throws Exception {
        NullArguments.check(engine, dir); // a table: every public method, each argument null in turn, next to the JDK
    }

    // ---------------------------------------------------------------- close and shutdown

    @Test
    void closedFileFailsFuturesWithClosedChannelExceptionAndCloseIsIdempotent() throws IOException {
        Path path = fileWith("closed.bin", new byte[10]);
        AsyncFile file = await(engine.open(path, READ, WRITE));
        assertTrue(file.isOpen());
        CompletableFuture<Void> first = file.closeAsync();
        assertSame(first, file.closeAsync(), "every close returns the same future");
        await(first);
        file.close();
        file.close();
        assertFalse(file.isOpen());
        failsWith(ClosedChannelException.class, file.read(ByteBuffer.allocate(1), 0));
        failsWith(ClosedChannelException.class, file.write(ByteBuffer.allocate(1), 0));
        failsWith(ClosedChannelException.class, file.size());
        failsWith(ClosedChannelException.class, file.force(true));
        failsWith(ClosedChannelException.class, file.truncate(0));
        ByteBuf buf = Unpooled.directBuffer(8);
        failsWith(ClosedChannelException.class, file.read(buf, 0));
        assertEquals(1, buf.refCnt(), "the buffer of a refused read is released");
        buf.release();
    }

    @Test
    @Timeout(120)
    void closingWithOperationsInFlightCompletesEveryFuture() throws IOException {
        Path path = fileWith("inflight.bin", random(8 * 1024 * 1024, 9));
        AsyncFile file = await(engine.open(path, READ, WRITE));
        List<CompletableFuture<Integer>> ops = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ops.add(i % 2 == 0 ? file.read(ByteBuffer.allocateDirect(64 * 1024), (long) i * 16384)
                    : file.write(ByteBuffer.allocateDirect(4096), (long) i * 16384));
        }
        CompletableFuture<Void> closed = file.closeAsync();
        ops.add(file.read(ByteBuffer.allocate(1), 0)); // after close: refused
        int completedNormally = 0;
        for (CompletableFuture<Integer> op : ops) {
            try {
                op.get(WAIT_SECONDS, TimeUnit.SECONDS);
                completedNormally++;
            } catch (ExecutionException e) {
                assertInstanceOf(ClosedChannelException.class, e.getCause(), "only a close can stop an op");
            } catch (Exception e) {
                fail("an operation did not complete: " + e);
            }
        }
        await(closed);
        assertTrue(completedNormally <= 500, "the refused read never succeeds");
        failsWith(ClosedChannelException.class, ops.get(ops.size() - 1));
    }

    @Test
    @Timeout(120)
    void engineShutdownWithOperationsInFlightCompletesEveryFuture() throws IOException {
        FileEngine own = newEngine(FileEngine.builder().shutdownTimeout(java.time.Duration.ofSeconds(20)));
        Path path = fileWith("shutdown.bin", random(4 * 1024 * 1024, 10));
        List<AsyncFile> files = new ArrayList<>();
        List<CompletableFuture<?>> ops = new ArrayList<>();
        for (int f = 0; f < 4; f++) {
            AsyncFile file = await(own.open(path, READ));
            files.add(file);
            for (int i = 0; i < 100; i++) {
                ops.add(file.read(ByteBuffer.allocateDirect(32 * 1024), (long) i * 32 * 1024));
            }
        }
        ops.add(own.readAllBytes(path));
        own.close();
        own.close(); // idempotent
        for (CompletableFuture<?> op : ops) {
            try {
                op.get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                assertTrue(cause instanceof ClosedChannelException || cause instanceof ClosedFileSystemException,
                        "unexpected failure " + cause);
            } catch (Exception e) {
                fail("an operation did not complete: " + e);
            }
        }
        for (AsyncFile file : files) {
            assertFalse(file.isOpen(), "engine shutdown closed " + file);
        }
        failsWith(ClosedFileSystemException.class, own.open(path));
        failsWith(ClosedFileSystemException.class, own.readAllBytes(path));
        failsWith(ClosedFileSystemException.class, own.size(path));
        failsWith(ClosedChannelException.class, files.get(0).read(ByteBuffer.allocate(1), 0));
    }

    @Test
    @Timeout(300)
    void aCancelledFutureDoesNotReleaseItsBufferBeforeTheOperationCompletes() throws IOException {
        int block = 4 * 1024 * 1024;
        byte[] content = random(block, 11);
        Path path = fileWith("cancel.bin", content);
        int perRound = 32;
        int cancelledWhileOwned = 0;
        // Reads from the page cache are fast, so a round may finish before its cancels land; rounds repeat until
        // some cancel has reached a read still in flight (almost always in the first round).
        try (AsyncFile file = await(engine.open(path, READ))) {
            for (int round = 0; round < 20 && cancelledWhileOwned == 0; round++) {
                List<ByteBuf> buffers = new ArrayList<>();
                for (int i = 0; i < perRound; i++) {
                    buffers.add(Unpooled.directBuffer(block));
                }
                List<CompletableFuture<Integer>> reads = new ArrayList<>();
                for (ByteBuf dst : buffers) {
                    reads.add(file.readFully(dst, 0));
                }
                for (int i = perRound - 1; i >= 0; i--) { // the last submitted finishes last
                    ByteBuf dst = buffers.get(i);
                    boolean cancelled = reads.get(i).cancel(true);
                    // Invariant: the engine drops its reference only after the data has landed.
                    int refs = dst.refCnt();
                    int written = dst.writerIndex();
                    if (refs == 1) {
                        assertEquals(block, written, "released before the read completed");
                    } else {
                        assertEquals(2, refs, "the engine holds one reference while the read is in flight");
                        if (cancelled) {
                            cancelledWhileOwned++;
                        }
                    }
                    assertTrue(reads.get(i).isDone());
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                for (ByteBuf dst : buffers) {
                    while (dst.refCnt() != 1) {
                        assertTrue(System.nanoTime() < deadline, "a cancelled read's buffer was never released");
                        Thread.onSpinWait();
                    }
                    assertEquals(block, dst.writerIndex(), "the kernel finished the cancelled read");
                    assertArrayEquals(content, bytesOf(dst));
                    dst.release();
                }
            }
        }
        assertTrue(cancelledWhileOwned > 0, "no cancel reached a read in flight, so the property was not exercised");
    }

    @Test
    void futuresCompleteOnTheCompletionExecutorNotOnAnIoThread() throws IOException {
        AtomicInteger hops = new AtomicInteger();
        Executor counting = task -> {
            hops.incrementAndGet();
            ForkJoinPool.commonPool().execute(task);
        };
        // Reads larger than a read made on the caller's thread (1 MiB): every one goes to the engine.
        int size = (1 << 20) + 4096;
        Path path = fileWith("exec.bin", new byte[size]);
        try (FileEngine own = newEngine(FileEngine.builder().completionExecutor(counting))) {
            AsyncFile file = await(own.open(path, READ));
            int before = hops.get();
            for (int i = 0; i < 20; i++) {
                String thread = await(file.read(ByteBuffer.allocateDirect(size), 0)
                        .thenApply(n -> Thread.currentThread().getName()));
                assertFalse(thread.startsWith("ringfile"), "a dependent stage ran on an engine thread: " + thread);
            }
            assertTrue(hops.get() - before >= 20, "every read completed through the executor");
            // Small reads of cached data may come back complete from this thread: their stages run here, and
            // never on an engine thread either way.
            String caller = Thread.currentThread().getName();
            for (int i = 0; i < 20; i++) {
                CompletableFuture<Integer> small = file.read(ByteBuffer.allocate(16), 0);
                boolean doneHere = small.isDone();
                String thread = await(small.thenApply(n -> Thread.currentThread().getName()));
                assertFalse(thread.startsWith("ringfile"), "a dependent stage ran on an engine thread: " + thread);
                if (doneHere) {
                    assertEquals(caller, thread, "a stage of a future complete at once runs on the caller's thread");
                }
            }
            file.close();
        }
    }

    @Test
    void theEnginesThreadsComeFromItsThreadFactory() throws IOException {
        String unusedPrefix = "not-from-the-factory-" + System.nanoTime();
        Set<Thread> made = ConcurrentHashMap.newKeySet();
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, "user-factory-" + count.incrementAndGet());
            thread.setDaemon(true);
            made.add(thread);
            return thread;
        };
        // The completion executor learns which thread hands each outcome over: the engine's I/O thread.
        Set<Thread> ringFrom = ConcurrentHashMap.newKeySet();
        Set<Thread> listFrom = ConcurrentHashMap.newKeySet();
        Set<Thread> recording = ConcurrentHashMap.newKeySet();
        Executor executor = task -> {
            recording.add(Thread.currentThread());
            task.run();
        };
        byte[] content = random(64 * 1024, 31);
        Path path = fileWith("factory.bin", content);
        try (FileEngine own = newEngine(FileEngine.builder().threadFactory(factory).threadNamePrefix(unusedPrefix)
                .completionExecutor(executor))) {
            // An outcome ready before the caller attached its hand-over is handed over by the caller; on a busy
            // machine a woken engine thread can win that race every time, so keep going until one came from an
            // engine thread (at most 1,000 calls each).
            Thread caller = Thread.currentThread();
            for (int i = 0; i < 1000 && (i < 20 || ringFrom.isEmpty()); i++) {
                // io_uring: on a ring thread (a path's size, which no caller's thread asks for)
                assertEquals(content.length, await(own.size(path)));
                ringFrom.addAll(recording);
                ringFrom.remove(caller);
                recording.clear();
            }
            for (int i = 0; i < 1000 && (i < 20 || listFrom.isEmpty()); i++) {
                assertEquals(List.of(path), await(own.list(dir))); // the NIO pool, on both backends
                listFrom.addAll(recording);
                listFrom.remove(caller);
                recording.clear();
            }
            // On a shared group's loops the rings run on the group's threads, by design.
            for (Set<Thread> from : ringsOnSharedLoops() ? List.of(listFrom) : List.of(ringFrom, listFrom)) {
                assertFalse(from.isEmpty(), "no outcome came from an engine thread");
                for (Thread thread : from) {
                    assertTrue(made.contains(thread), "an outcome came from " + thread.getName()
                            + ", which the factory did not make");
                }
            }
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                assertFalse(thread.getName().startsWith(unusedPrefix), "made without the factory: " + thread);
            }
        }
    }

    @Test
    void inlineCompletionSkipsTheExecutor() throws IOException {
        AtomicInteger hops = new AtomicInteger();
        Path path = fileWith("inline.bin", new byte[4096]);
        try (FileEngine own = newEngine(FileEngine.builder().inlineCompletion(true)
                .completionExecutor(task -> {
                    hops.incrementAndGet();
                    task.run();
                }))) {
            try (AsyncFile file = await(own.open(path, READ))) {
                for (int i = 0; i < 10; i++) {
                    assertEquals(16, await(file.read(ByteBuffer.allocate(16), 0)));
                }
                // A blocking close from a callback either works or is refused; it never deadlocks an I/O thread.
                String outcome = await(file.read(ByteBuffer.allocate(16), 0).thenApply(n -> {
                    try {
                        file.close();
                        return "closed";
                    } catch (IllegalStateException e) {
                        return "refused on an I/O thread";
                    } catch (IOException e) {
                        return e.toString();
                    }
                }));
                assertTrue(outcome.equals("closed") || outcome.equals("refused on an I/O thread"), outcome);
            }
            assertEquals(0, hops.get());
        }
    }

    @Test
    void pendingReadOnAClosedEngineFileReportsAsynchronousCloseOrCompletes() throws IOException {
        // A close racing a read must resolve it one way or the other: never leave it pending.
        Path path = fileWith("race.bin", random(1 << 20, 12));
        for (int round = 0; round < 50; round++) {
            AsyncFile file = await(engine.open(path, READ));
            CompletableFuture<Integer> read = file.read(ByteBuffer.allocateDirect(1 << 20), 0);
            file.closeAsync();
            try {
                assertEquals(1 << 20, read.get(WAIT_SECONDS, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                assertInstanceOf(AsynchronousCloseException.class, e.getCause());
            } catch (Exception e) {
                fail("read never completed: " + e);
            }
        }
    }

    // ---------------------------------------------------------------- metrics

    @Test
    void metricsCountEachKindOfOperationWithItsOutcomeBytesAndLatency() throws Exception {
        try (FileEngine counted = newEngine(FileEngine.builder().name("counted"))) {
            Path path = dir.resolve("counted.bin");
            try (AsyncFile file = await(counted.open(path, CREATE_NEW, READ, WRITE))) {
                assertEquals(10_000, await(file.writeFully(ByteBuffer.allocateDirect(10_000), 0)));
                await(file.force(true));
                assertEquals(4096, await(file.readFully(ByteBuffer.allocateDirect(4096), 100)));
                assertEquals(10_000L, await(file.size()));
            }
            failsWith(NoSuchFileException.class, counted.open(dir.resolve("missing"), READ));
            await(counted.delete(path));

            EngineMetrics m = counted.metrics();
            assertEquals("counted", m.name());
            assertEquals("counted", counted.name());
            assertEquals(counted.backend(), m.backend());
            assertEquals(counted.fallbackReason(), m.fallbackReason());
            assertTrue(m.enabled());
            expect(m, EngineMetrics.Operation.OPEN, 2, 1, 1, 0);
            expect(m, EngineMetrics.Operation.WRITE, 1, 1, 0, 10_000);
            expect(m, EngineMetrics.Operation.FORCE, 1, 1, 0, 0);
            expect(m, EngineMetrics.Operation.READ, 1, 1, 0, 4096);
            expect(m, EngineMetrics.Operation.STAT, 1, 1, 0, 0);
            expect(m, EngineMetrics.Operation.CLOSE, 1, 1, 0, 0);
            expect(m, EngineMetrics.Operation.PATH, 1, 1, 0, 0);
            assertEquals(counted.backend() == FileEngine.Backend.IO_URING, !m.rings().isEmpty(),
                    "rings are reported exactly when io_uring runs: " + m);
            assertEquals(0, m.inFlight(), "nothing is left in flight: " + m);
            String summary = m.toString();
            assertTrue(summary.contains("'counted'") && summary.contains("read") && summary.contains("4,096 bytes"),
                    summary);
        }
    }

    private static void expect(EngineMetrics m, EngineMetrics.Operation kind, long submitted, long completed,
                               long failed, long bytes) {
        EngineMetrics.OperationMetrics op = m.operation(kind);
        String what = kind + " in " + m;
        assertEquals(submitted, op.submitted(), what);
        assertEquals(completed, op.completed(), what);
        assertEquals(failed, op.failed(), what);
        assertEquals(0, op.cancelled(), what);
        assertEquals(bytes, op.bytes(), what);
        assertEquals(0, op.underWay(), what);
        EngineMetrics.Latency latency = op.latency();
        assertEquals(completed + failed, latency.count(), "every ended operation is timed: " + what);
        assertTrue(latency.p50Nanos() > 0 && latency.p50Nanos() <= latency.p99Nanos()
                && latency.p99Nanos() <= latency.p999Nanos() && latency.p999Nanos() <= latency.maxNanos()
                && latency.meanNanos() > 0 && latency.meanNanos() <= latency.maxNanos(), what);
    }

    @Test
    void metricsOffCountNoOperationButStillReportTheGauges() throws IOException {
        try (FileEngine quiet = newEngine(FileEngine.builder().name("quiet").metrics(false))) {
            Path path = fileWith("quiet.bin", random(5000, 31));
            try (AsyncFile file = await(quiet.open(path, READ))) {
                assertEquals(5000, await(file.readFully(ByteBuffer.allocateDirect(5000), 0)));
            }
            EngineMetrics m = quiet.metrics();
            assertFalse(m.enabled());
            for (EngineMetrics.Operation kind : EngineMetrics.Operation.values()) {
                assertEquals(0, m.operation(kind).submitted(), kind + " in " + m);
            }
            assertEquals(quiet.backend() == FileEngine.Backend.IO_URING, !m.rings().isEmpty(), m.toString());
            assertTrue(m.toString().contains("metrics off"), m.toString());
        }
    }

    // ---------------------------------------------------------------- limits

    @Test
    void pastItsLimitsAnEngineRefusesCallsAtOnceButNeverACloseAndCountsTheRefusals() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo works here");
        Path regular = fileWith("regular.bin", random(4096, 41));
        try (FileEngine bounded = newEngine(FileEngine.builder().name("bounded").rings(1).maxInFlight(2)
                .maxQueued(1))) {
            AsyncFile open = await(bounded.open(regular, READ, WRITE));
            // Opening a FIFO to write waits for a reader: three such opens stay under way and fill the limit (2 + 1).
            // (With CREATE io_uring sends the open to a kernel worker at once; without it, after an attempt with
            // O_NONBLOCK that fails with ENXIO.)
            List<CompletableFuture<AsyncFile>> waiting = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waiting.add(bounded.open(fifo, WRITE, CREATE));
            }
            EngineMetrics full = bounded.metrics();
            assertEquals(3, full.underWay(), full::toString);
            if (full.backend() == FileEngine.Backend.IO_URING) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                while (((full = bounded.metrics()).inFlight() < 2 || full.waiting() < 1)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(5); // until the rings have taken all three in (no more may get into the kernel)
                }
                EngineMetrics taken = full;
                assertEquals(2, taken.inFlight(), () -> "maxInFlight holds in the kernel: " + taken);
                assertEquals(1, taken.waiting(), () -> "the third waits in the engine: " + taken);
            }

            EngineOverloadedException refused = failsWith(EngineOverloadedException.class,
                    bounded.open(fifo, WRITE, CREATE));
            assertEquals("bounded", refused.engine());
            assertEquals(2, refused.maxInFlight());
            assertEquals(1, refused.maxQueued());
            assertTrue(refused.getMessage().contains("maxInFlight 2") && refused.getMessage().contains("maxQueued 1"),
                    refused.getMessage());
            // A write made on this thread (FileEngine.Builder.writesOnCallerThread) is not refused either; one the
            // engine must make (more than 1 MiB) is.
            CompletableFuture<Integer> write = open.write(ByteBuffer.allocate(10), 0);
            boolean writtenHere = write.isDone() && !write.isCompletedExceptionally();
            if (writtenHere) {
                assertEquals(10, write.join());
            } else {
                failsWith(EngineOverloadedException.class, write);
            }
            failsWith(EngineOverloadedException.class, open.write(ByteBuffer.allocate((1 << 20) + 1), 0));
            failsWith(EngineOverloadedException.class, open.size());
            // A missing name, whose stat needs the engine (a cached one may be read on this thread, never refused).
            failsWith(EngineOverloadedException.class, bounded.exists(regular.resolveSibling("missing")));
            // A read of cached data made on this thread is not refused either; one the engine must make is.
            CompletableFuture<Integer> read = open.read(ByteBuffer.allocate(10), 0);
            boolean readHere = read.isDone() && !read.isCompletedExceptionally();
            if (readHere) {
                assertEquals(10, read.join());
            } else {
                failsWith(EngineOverloadedException.class, read);
            }
            int refusals = 4 + (readHere ? 0 : 1) + (writtenHere ? 0 : 1);
            assertEquals(refusals, bounded.metrics().rejected(), () -> bounded.metrics().toString());
            assertEquals(3, bounded.metrics().underWay(), "refused calls take no place");

            await(open.closeAsync()); // never refused, however full the engine is
            try (java.io.FileInputStream reader = new java.io.FileInputStream(fifo.toFile())) {
                for (CompletableFuture<AsyncFile> writer : waiting) { // a reader lets the opens finish
                    await(writer).close();
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (bounded.metrics().underWay() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, bounded.metrics().underWay(), () -> "every place given back: " + bounded.metrics());
            assertArrayEquals(Files.readAllBytes(regular), await(bounded.readAllBytes(regular)),
                    "calls are admitted again once operations end");
        }
    }

    // ---------------------------------------------------------------- JFR events

    private static final List<String> OPERATION_EVENTS = List.of("io.ringfile.FileRead", "io.ringfile.FileWrite",
            "io.ringfile.FileForce", "io.ringfile.FileOpen", "io.ringfile.PathOperation");

    @Test
    void jfrEventsRecordEachOperationWithItsPathPositionBytesAndOutcome() throws Exception {
        Path path = fileWith("events.bin", random(8192, 51));
        Path missing = dir.resolve("missing");
        Path out = dir.resolve("events.jfr");
        String backend;
        try (jdk.jfr.Recording recording = new jdk.jfr.Recording()) {
            for (String name : OPERATION_EVENTS) {
                recording.enable(name).withThreshold(java.time.Duration.ZERO);
            }
            recording.enable("io.ringfile.EngineStatistics").withPeriod(java.time.Duration.ofMillis(50));
            recording.start();
            try (FileEngine recorded = newEngine(FileEngine.builder().name("recorded"))) {
                backend = recorded.backend().name().toLowerCase(java.util.Locale.ROOT);
                try (AsyncFile file = await(recorded.open(path, READ, WRITE))) {
                    assertEquals(4096, await(file.readFully(ByteBuffer.allocateDirect(4096), 100)));
                    assertEquals(1000, await(file.writeFully(ByteBuffer.allocateDirect(1000), 8192)));
                    await(file.force(false));
                }
                failsWith(NoSuchFileException.class, recorded.open(missing, READ));
                Thread.sleep(300); // a few periods of the statistics event
            }
            recording.stop();
            recording.dump(out);
        }
        List<jdk.jfr.consumer.RecordedEvent> events = new ArrayList<>();
        for (jdk.jfr.consumer.RecordedEvent event : jdk.jfr.consumer.RecordingFile.readAllEvents(out)) {
            if (event.getEventType().getName().startsWith("io.ringfile.")
                    && "recorded".equals(event.getString("engine"))) {
                events.add(event);
            }
        }
        String all = events.toString();

        jdk.jfr.consumer.RecordedEvent read = only(events, "io.ringfile.FileRead", all);
        assertEquals(path.toString(), read.getString("path"), all);
        assertEquals(100, read.getLong("position"), all);
        assertEquals(4096, read.getLong("bytes"), all);
        assertEquals("completed", read.getString("outcome"), all);
        assertEquals(backend, read.getString("backend"), all);
        assertFalse(read.getDuration().isNegative() || read.getDuration().isZero(), all);
        if (backend.equals("io_uring")) { // a read of cached data may be made on the caller's thread: no ring
            String madeOn = read.getThread() == null ? "" : read.getThread().getJavaName();
            assertTrue(!read.getString("ring").isEmpty() || madeOn.equals(Thread.currentThread().getName()),
                    "the ring's thread is named, or the read was made on this thread: " + all);
        }
        jdk.jfr.consumer.RecordedEvent write = only(events, "io.ringfile.FileWrite", all);
        assertEquals(8192, write.getLong("position"), all);
        assertEquals(1000, write.getLong("bytes"), all);
        assertEquals(path.toString(), only(events, "io.ringfile.FileForce", all).getString("path"), all);

        List<String> opens = new ArrayList<>();
        for (jdk.jfr.consumer.RecordedEvent event : events) {
            if (event.getEventType().getName().equals("io.ringfile.FileOpen")) {
                opens.add(event.getString("path") + " " + event.getString("outcome"));
            }
        }
        assertEquals(2, opens.size(), all);
        assertTrue(opens.contains(path + " completed"), all);
        assertTrue(opens.contains(missing + " java.nio.file.NoSuchFileException: " + missing), all);
        jdk.jfr.consumer.RecordedEvent close = only(events, "io.ringfile.PathOperation", all);
        assertEquals("close", close.getString("operation"), all);

        boolean statistics = false;
        for (jdk.jfr.consumer.RecordedEvent event : events) {
            if (event.getEventType().getName().equals("io.ringfile.EngineStatistics")
                    && event.getLong("reads") == 1 && event.getLong("bytesRead") == 4096
                    && event.getLong("opens") == 2) {
                statistics = true;
            }
        }
        assertTrue(statistics, "a periodic statistics event with the engine's counts: " + all);
    }

    private static jdk.jfr.consumer.RecordedEvent only(List<jdk.jfr.consumer.RecordedEvent> events, String type,
                                                       String all) {
        jdk.jfr.consumer.RecordedEvent found = null;
        for (jdk.jfr.consumer.RecordedEvent event : events) {
            if (event.getEventType().getName().equals(type)) {
                assertTrue(found == null, "one " + type + " event: " + all);
                found = event;
            }
        }
        assertTrue(found != null, "one " + type + " event: " + all);
        return found;
    }

    @Test
    void jfrEventsStayOutBelowTheirThresholdAndWhenNotEnabled() throws Exception {
        Path path = fileWith("quiet-events.bin", random(8192, 52));
        Path out = dir.resolve("quiet.jfr");
        try (jdk.jfr.Recording recording = new jdk.jfr.Recording()) {
            recording.enable("io.ringfile.FileRead").withThreshold(java.time.Duration.ofHours(1));
            recording.start(); // the other kinds stay as they are by default: disabled
            try (FileEngine quiet = newEngine(FileEngine.builder().name("quiet-events"));
                 AsyncFile file = await(quiet.open(path, READ, WRITE))) {
                for (int i = 0; i < 100; i++) {
                    assertEquals(4096, await(file.readFully(ByteBuffer.allocateDirect(4096), 0)));
                    assertEquals(100, await(file.writeFully(ByteBuffer.allocateDirect(100), 0)));
                }
            }
            recording.stop();
            recording.dump(out);
        }
        for (jdk.jfr.consumer.RecordedEvent event : jdk.jfr.consumer.RecordingFile.readAllEvents(out)) {
            assertFalse(event.getEventType().getName().startsWith("io.ringfile."), event::toString);
        }
    }

    // ---------------------------------------------------------------- deadlines

    @Test
    void anOperationPastItsDeadlineFailsWithTimeoutExceptionAndALateOpenIsClosed() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo works here");
        try (FileEngine timed = newEngine(FileEngine.builder().name("timed")
                .operationTimeout(java.time.Duration.ofMillis(200)))) {
            long start = System.nanoTime();
            // Opening a FIFO to write waits for a reader (CREATE: io_uring would open it at once without).
            CompletableFuture<AsyncFile> open = timed.open(fifo, WRITE, CREATE);
            TimeoutException timeout = failsWith(TimeoutException.class, open);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis >= 190 && millis < 5_000, "failed after " + millis + " ms");
            assertTrue(timeout.getMessage().contains("'timed'") && timeout.getMessage().contains("open of " + fifo)
                    && timeout.getMessage().contains("200 ms"), timeout.getMessage());
            assertEquals(1, timed.metrics().operation(EngineMetrics.Operation.OPEN).underWay(),
                    () -> "counted when the backend is done with it: " + timed.metrics());

            // A reader lets the open finish in the backend after all: the engine closes that file, so the reader
            // sees the end of the stream (a writer left open would keep it waiting).
            try (java.io.FileInputStream reader = new java.io.FileInputStream(fifo.toFile())) {
                CompletableFuture<Integer> end = CompletableFuture.supplyAsync(() -> {
                    try {
                        return reader.read();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                assertEquals(-1, end.get(WAIT_SECONDS, TimeUnit.SECONDS), "the late open's file was closed");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (timed.metrics().operation(EngineMetrics.Operation.OPEN).failed() == 0
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            EngineMetrics.OperationMetrics opens = timed.metrics().operation(EngineMetrics.Operation.OPEN);
            assertEquals(1, opens.failed(), "a timed-out open counts as failed: " + opens);
            assertEquals(0, opens.completed(), opens.toString());

            // Operations within the deadline are untouched; the option sets a file's own deadline.
            Path regular = fileWith("regular.bin", random(4096, 61));
            try (AsyncFile file = await(timed.open(regular, READ, OperationTimeout.of(java.time.Duration.ZERO)))) {
                assertEquals(4096, await(file.readFully(ByteBuffer.allocateDirect(4096), 0)));
            }
        }
    }

    @Test
    void deadlinesAreCheckedLikeTheJdkChecksItsArguments() {
        assertThrows(IllegalArgumentException.class, () -> OperationTimeout.of(java.time.Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> OperationTimeout.of(null));
        assertThrows(IllegalArgumentException.class,
                () -> FileEngine.builder().operationTimeout(java.time.Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> FileEngine.builder().operationTimeout(null));
        assertEquals(OperationTimeout.of(java.time.Duration.ofSeconds(1)),
                OperationTimeout.of(java.time.Duration.ofMillis(1000)));
    }
}
