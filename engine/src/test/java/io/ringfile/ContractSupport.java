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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
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
 * Engine set-up and assertions shared by the parts of the contract suite ({@link FileEngineContract}).
 *
 * <p>No test in the suite measures speed: every wait is a generous bound that only turns a hang into a failure.
 */
public abstract class ContractSupport {
    /** Bound on any single wait: a future that takes longer is treated as hung. */
    protected static final long WAIT_SECONDS = 60;

    protected final FileEngine.Backend requested;
    protected FileEngine engine;
    @TempDir
    protected Path dir;

    protected ContractSupport(FileEngine.Backend requested) {
        this.requested = requested;
    }

    /** True when the suite's engines run their rings on the threads of a shared event loop group, not their own. */
    protected boolean ringsOnSharedLoops() {
        return false;
    }

    /** True when the suite's engines run io_uring but not as configured, and so report a fallback reason. */
    protected boolean fallsBackWithIoUring() {
        return false;
    }

    /** Builds an engine for this suite's backend, or skips the test if that backend cannot run here. */
    protected FileEngine.Builder configure(FileEngine.Builder builder) {
        return builder.backend(requested);
    }

    protected FileEngine newEngine() {
        return newEngine(FileEngine.builder());
    }

    protected FileEngine newEngine(FileEngine.Builder builder) {
        try {
            return configure(builder).build();
        } catch (UnsupportedOperationException e) {
            Assumptions.abort("backend " + requested + " cannot run here: " + e.getMessage());
            throw e;
        }
    }

    @BeforeEach
    void startEngine() {
        engine = newEngine();
    }

    @AfterEach
    void stopEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Waits at most {@link #WAIT_SECONDS}; a failure or a hang fails the test. Shared with native-test. */
    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException e) {
            throw new AssertionError("operation failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("future did not complete within " + WAIT_SECONDS + " s", e);
        }
    }

    /** The exception a future failed with; fails the test if it succeeded or hung. */
    public static Throwable failure(CompletableFuture<?> future) {
        try {
            Object value = future.get(WAIT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("future did not complete", e);
        }
    }

    public static <T extends Throwable> T failsWith(Class<T> type, CompletableFuture<?> future) {
        Throwable error = failure(future);
        return assertInstanceOf(type, error, () -> "expected " + type.getSimpleName() + ", got " + error);
    }

    protected static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    protected Path fileWith(String name, byte[] content) throws IOException {
        Path path = dir.resolve(name);
        Files.write(path, content);
        return path;
    }

    protected static byte[] bytesOf(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), bytes);
        return bytes;
    }

    protected static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    protected static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
