package io.ringfile;

import com.sun.nio.file.ExtendedOpenOption;
import io.ringfile.internal.uring.RingThreads;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The part of the contract suite ({@link FileEngineContract}) about inputs that once reached the wrong file or froze
 * an engine: file names whose bytes are not valid text in the JVM's file-name encoding, the empty path, and blocking
 * waits on an engine's own I/O thread.
 *
 * <p>Tests tagged {@value #PATH_BYTES} are run again by {@code native-test} in a JVM started in the C locale, where
 * every non-ASCII name is such a name.
 */
public abstract class RobustnessContract extends ContractSupport {
    /** Tag of the tests that native-test reruns in other locales. */
    public static final String PATH_BYTES = "path-bytes";

    protected RobustnessContract(FileEngine.Backend requested) {
        super(requested);
    }

    // ---------------------------------------------------------------- names that are not valid text

    /**
     * Three files made by the shell with raw bytes in their names: {@code bad\xff} (not UTF-8), {@code
     * bad\xef\xbf\xbd} (U+FFFD in UTF-8: what the first name decodes to, a decoy) and {@code caf\xc3\xa9}
     * ("café" in UTF-8, not ASCII). Paths to them come from a directory listing, which keeps the bytes; each is
     * identified by its content, read by the JDK.
     */
    private Map<String, Path> rawNames() throws IOException, InterruptedException {
        Path in = Files.createDirectories(dir.resolve("raw"));
        int status = run("sh", "-c", "cd \"$0\" && printf raw > \"$(printf 'bad\\377')\""
                + " && printf decoy > \"$(printf 'bad\\357\\277\\275')\""
                + " && printf cafe > \"$(printf 'caf\\303\\251')\"", in.toString());
        assertEquals(0, status, "the shell made the files");
        Map<String, Path> byContent = new LinkedHashMap<>();
        try (Stream<Path> listing = Files.list(in)) {
            for (Path entry : (Iterable<Path>) listing::iterator) {
                byContent.put(new String(Files.readAllBytes(entry), StandardCharsets.US_ASCII), entry);
            }
        }
        assertEquals(List.of("cafe", "decoy", "raw"), byContent.keySet().stream().sorted().toList());
        return byContent;
    }

    private static String content(Path path) throws IOException {
        return new String(Files.readAllBytes(path), StandardCharsets.US_ASCII);
    }

    @Test
    @Tag(PATH_BYTES)
    void readsAndAttributesOfNamesThatAreNotValidTextReachTheNamedFile() throws Exception {
        Map<String, Path> files = rawNames();
        for (Map.Entry<String, Path> file : files.entrySet()) {
            Path path = file.getValue();
            String name = file.getKey();
            assertEquals(name, new String(await(engine.readAllBytes(path)), StandardCharsets.US_ASCII), name);
            assertEquals(name, await(engine.readString(path)), name);
            assertEquals(List.of(name), await(engine.readAllLines(path)), name);
            assertEquals(name.length(), (long) await(engine.size(path)), name);
            assertTrue(await(engine.exists(path)), name);
            assertFalse(await(engine.notExists(path)), name);
            assertTrue(await(engine.isRegularFile(path)), name);
            assertFalse(await(engine.isDirectory(path)), name);
            BasicFileAttributes attributes = await(engine.readAttributes(path, BasicFileAttributes.class));
            assertEquals(String.valueOf(Files.readAttributes(path, BasicFileAttributes.class).fileKey()),
                    String.valueOf(attributes.fileKey()), name);
            assertEquals(name.length(), attributes.size(), name);
            try (AsyncFile opened = await(engine.open(path, READ))) {
                ByteBuffer into = ByteBuffer.allocate(16);
                await(opened.read(into, 0));
                assertEquals(name, new String(into.array(), 0, into.position(), StandardCharsets.US_ASCII), name);
            }
        }
    }

    @Test
    @Tag(PATH_BYTES)
    void writesOfNamesThatAreNotValidTextChangeOnlyTheNamedFile() throws Exception {
        Map<String, Path> files = rawNames();
        Path raw = files.get("raw");
        Path cafe = files.get("cafe");
        Path decoy = files.get("decoy");

        await(engine.write(raw, "written".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("written", content(raw));
        assertEquals("decoy", content(decoy), "the decoy whose name the raw one decodes to is untouched");
        await(engine.writeString(cafe, "text"));
        assertEquals("text", content(cafe));
        try (AsyncFile opened = await(engine.open(raw, WRITE, TRUNCATE_EXISTING))) {
            await(opened.writeFully(ByteBuffer.wrap("opened".getBytes(StandardCharsets.US_ASCII)), 0));
        }
        assertEquals("opened", content(raw));
        try (AsyncWriter writer = await(engine.newBufferedWriter(cafe))) {
            await(writer.write("buffered"));
        }
        assertEquals("buffered", content(cafe));
        await(engine.writeAtomically(raw, "atomic"));
        assertEquals("atomic", content(raw));
        assertEquals("decoy", content(decoy));
    }

    @Test
    @Tag(PATH_BYTES)
    void fileSystemOperationsOnNamesThatAreNotValidTextTouchOnlyTheNamedFile() throws Exception {
        Map<String, Path> files = rawNames();
        Path raw = files.get("raw");
        Path cafe = files.get("cafe");
        Path decoy = files.get("decoy");
        Path plain = dir.resolve("plain");

        await(engine.createLink(plain, raw));
        assertTrue(Files.isSameFile(plain, raw));
        Files.delete(plain);
        Path symlink = await(engine.createSymbolicLink(plain, cafe));
        assertEquals(cafe, Files.readSymbolicLink(symlink), "the link holds the name's exact bytes");
        assertEquals("cafe", content(symlink));
        assertEquals(cafe, await(engine.readSymbolicLink(symlink)));
        Files.delete(plain);

        await(engine.move(raw, plain));
        assertFalse(Files.exists(raw, LinkOption.NOFOLLOW_LINKS));
        assertEquals("raw", content(plain));
        assertEquals("decoy", content(decoy));
        await(engine.move(plain, raw));
        assertEquals("raw", content(raw));
        await(engine.move(raw, cafe, StandardCopyOption.REPLACE_EXISTING));
        assertEquals("raw", content(cafe));
        assertFalse(Files.exists(raw, LinkOption.NOFOLLOW_LINKS));
        await(engine.copy(cafe, raw));
        assertEquals("raw", content(raw));

        await(engine.setLastModifiedTime(raw, FileTime.fromMillis(1_000_000_000L)));
        assertEquals(FileTime.fromMillis(1_000_000_000L), Files.getLastModifiedTime(raw));
        assertEquals(Files.getPosixFilePermissions(raw), await(engine.getPosixFilePermissions(raw)));

        await(engine.delete(raw));
        assertFalse(Files.exists(raw, LinkOption.NOFOLLOW_LINKS), "the named file is gone");
        assertEquals("decoy", content(decoy), "the decoy is still there");
        assertTrue(await(engine.notExists(raw)));
        assertFalse(await(engine.deleteIfExists(raw)));

        await(engine.createDirectory(raw));
        assertTrue(Files.isDirectory(raw), "a directory with the raw name");
        Path inner = raw.resolve("inner"); // keeps the parent's bytes
        await(engine.write(inner, new byte[] {7}));
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(inner));
        assertEquals(List.of(inner), await(engine.list(raw)));
        Path temp = await(engine.createTempFile(raw, "t", ".tmp"));
        assertTrue(Files.exists(temp));
        await(engine.delete(temp));
        await(engine.createDirectories(raw.resolve("a").resolve("b")));
        assertTrue(Files.isDirectory(raw.resolve("a").resolve("b")));
        await(engine.delete(raw.resolve("a").resolve("b")));
        await(engine.delete(raw.resolve("a")));
        await(engine.delete(inner));
        assertTrue(await(engine.deleteIfExists(raw)));
        assertFalse(Files.exists(raw, LinkOption.NOFOLLOW_LINKS));
        assertEquals("decoy", content(decoy));
    }

    // ---------------------------------------------------------------- the empty path

    @Test
    void theEmptyPathIsTheCurrentDirectoryAsForTheJdk() throws Exception {
        Path empty = Path.of("");
        assertTrue(await(engine.exists(empty)));
        assertFalse(await(engine.notExists(empty)));
        assertTrue(await(engine.isDirectory(empty)));
        assertFalse(await(engine.isRegularFile(empty)));
        assertEquals(Files.size(empty), (long) await(engine.size(empty)));
        assertEquals(String.valueOf(Files.readAttributes(empty, BasicFileAttributes.class).fileKey()),
                String.valueOf(await(engine.readAttributes(empty, BasicFileAttributes.class)).fileKey()));
        long jdkSize;
        try (FileChannel channel = FileChannel.open(empty)) {
            jdkSize = channel.size();
        }
        try (AsyncFile opened = await(engine.open(empty))) {
            assertEquals(jdkSize, (long) await(opened.size()));
        }
        IOException read = assertInstanceOf(IOException.class, failure(engine.readAllBytes(empty)));
        assertTrue(String.valueOf(read.getMessage()).contains("Is a directory"), read::toString);
        FileSystemException delete = failsWith(FileSystemException.class, engine.delete(empty));
        assertEquals(FileSystemException.class, delete.getClass(), delete::toString);
        assertEquals("Invalid argument", delete.getReason());
        failsWith(FileAlreadyExistsException.class, engine.createDirectory(empty));
    }

    // ---------------------------------------------------------------- direct I/O alignment

    @Test
    void directIoThatBreaksTheAlignmentSaysWhichValueIsNotAMultipleOfWhat() throws Exception {
        Path path = fileWith("direct.bin", random(1 << 16, 4));
        CompletableFuture<AsyncFile> opening = engine.open(path, Set.of(READ, WRITE, ExtendedOpenOption.DIRECT));
        AsyncFile file;
        try {
            file = opening.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Assumptions.abort("O_DIRECT cannot be used in " + dir + ": " + e.getCause());
            return;
        }
        try (AsyncFile direct = file) {
            int alignment = direct.directIoAlignment().orElseThrow();
            assertTrue(alignment >= 512 && Integer.bitCount(alignment) == 1, () -> "alignment " + alignment);
            ByteBuffer aligned = direct.allocateAligned(2 * alignment);
            assertEquals(2 * alignment, aligned.capacity());
            assertEquals(2 * alignment, (int) await(direct.read(aligned, alignment)), "an aligned read works");

            IOException position = assertInstanceOf(IOException.class,
                    failure(direct.read(direct.allocateAligned(alignment), 100)));
            assertTrue(position.getMessage().matches(
                    ".*Channel position \\(100\\) is not a multiple of the block size \\(\\d+\\).*"),
                    position::getMessage);
            IOException length = assertInstanceOf(IOException.class,
                    failure(direct.read(direct.allocateAligned(alignment + 1), 0)));
            assertTrue(length.getMessage().matches(".*Number of remaining bytes \\(" + (alignment + 1)
                    + "\\) is not a multiple of the block size \\(\\d+\\).*"), length::getMessage);
            // A buffer address the device cannot take: the JDK always refuses one off by a byte; the kernel may take
            // it (its memory alignment can be smaller than the block size), but if it refuses, it says why.
            ByteBuffer shifted = direct.allocateAligned(2 * alignment).position(1).slice().limit(alignment);
            try {
                direct.read(shifted, 0).get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                IOException address = assertInstanceOf(IOException.class, e.getCause());
                // JDK 17 says "Current location of the bytebuffer", JDK 25 "Current position of the bytebuffer".
                assertTrue(address.getMessage().matches(".*Current (location|position) of the bytebuffer \\(.*\\) is "
                        + "not a multiple of the block size \\(\\d+\\).*"), address::getMessage);
            }
        }
        try (AsyncFile buffered = await(engine.open(path, READ))) {
            assertFalse(buffered.directIoAlignment().isPresent(), "no alignment without direct I/O");
        }
    }

    // ---------------------------------------------------------------- blocking on an I/O thread

    /**
     * With inline completion, dependent stages run on the engine's I/O thread. A blocking wait there for another
     * operation of the engine would wait for a completion only that very thread can deliver: every wait a Ringfile
     * future offers is refused there with IllegalStateException, and the engine carries on. On the NIO backend the
     * stage runs on a pool thread, where waiting is allowed.
     */
    @Test
    void blockingWaitsInsideCallbacksOnAnIoUringThreadAreRefusedAndTheEngineCarriesOn() throws Exception {
        // One ring: whatever the stage starts goes to the very thread that runs the stage, so it cannot be done
        // before the wait begins (a wait on a future already done is no wait, and allowed).
        FileEngine inline = newEngine(FileEngine.builder().inlineCompletion(true).rings(1));
        try {
            Path path = fileWith("blocking.bin", random(4096, 3));
            Path large = fileWith("blocking-large.bin", random(2 << 20, 4));
            AsyncFile file = await(inline.open(path, READ, WRITE));
            Map<String, Function<AsyncFile, Object>> waits = new LinkedHashMap<>();
            waits.put("join on a read", f -> f.read(ByteBuffer.allocateDirect(16), 0).join());
            waits.put("get on a read", f -> getQuietly(f.read(ByteBuffer.allocateDirect(16), 0)));
            // Operations that go to the calling thread's own ring (size and force go to the file's home ring, which
            // may be another and done before the wait begins).
            waits.put("timed get on a read", f -> getQuietly(f.read(ByteBuffer.allocateDirect(16), 0), 5));
            waits.put("join on a derived stage", f -> f.read(ByteBuffer.allocateDirect(16), 0)
                    .thenApply(n -> n + 1).join());
            // A file past what a whole-file read makes on the caller's thread: its read goes to the ring.
            waits.put("join on readAllBytes", f -> inline.readAllBytes(large).join());
            waits.put("join on an open", f -> closeQuietly(inline.open(path).join()));
            // A missing name: its stat goes to the ring (one whose names are cached may come back complete).
            waits.put("join on exists", f -> inline.exists(dir.resolve("missing-for-exists")).join());
            AsyncFile other = await(inline.open(path, READ));
            waits.put("AsyncFile.close()", f -> closeQuietly(other));
            waits.put("AsyncWriter.close()", f -> {
                AsyncWriter writer = inline.newBufferedWriter(dir.resolve("w.txt")).join();
                try {
                    writer.close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return null;
            });
            for (Map.Entry<String, Function<AsyncFile, Object>> wait : waits.entrySet()) {
                Throwable seen = inCallbackOnIoThread(file, wait.getValue());
                if (inline.backend() == FileEngine.Backend.IO_URING) {
                    assertInstanceOf(IllegalStateException.class, seen, () -> wait.getKey() + ": " + seen);
                    assertTrue(seen.getMessage().contains("io_uring thread"), seen::getMessage);
                } else {
                    assertEquals(null, seen, () -> wait.getKey() + " on a pool thread: " + seen);
                }
                // The engine still works: its thread was not blocked.
                assertEquals(16, (int) await(file.read(ByteBuffer.allocateDirect(16), 0)), wait.getKey());
            }
            await(file.closeAsync());
            await(other.closeAsync());
        } finally {
            inline.close();
        }
    }

    /**
     * Runs {@code wait} inside a dependent stage that runs on the engine's thread (a read's completion), and returns
     * what it threw, or null.
     */
    private static Throwable inCallbackOnIoThread(AsyncFile file, Function<AsyncFile, Object> wait) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            CompletableFuture<Throwable> seen = new CompletableFuture<>();
            file.read(ByteBuffer.allocateDirect(16), 0).thenAccept(n -> {
                String thread = Thread.currentThread().getName();
                if (!RingThreads.isCurrent() && !thread.contains("-nio-")) {
                    seen.complete(new RetryMarker()); // completed before the stage was attached: ran here
                    return;
                }
                try {
                    wait.apply(file);
                    seen.complete(null);
                } catch (Throwable e) {
                    seen.complete(e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                            ? e.getCause() : e);
                }
            });
            Throwable outcome = await(seen);
            if (!(outcome instanceof RetryMarker)) {
                return outcome;
            }
        }
        Assumptions.abort("no read completed after its stage was attached in 1000 attempts");
        return null;
    }

    private static final class RetryMarker extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private static Object closeQuietly(AsyncFile file) {
        try {
            file.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return null;
    }

    private static Object getQuietly(CompletableFuture<?> future) {
        try {
            return future.get();
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    private static Object getQuietly(CompletableFuture<?> future, long seconds) {
        try {
            return future.get(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException | java.util.concurrent.ExecutionException
                 | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        }
    }
}
