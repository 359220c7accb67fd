package io.ringfile.micrometer;

import io.ringfile.AsyncFile;
import io.ringfile.EngineMetrics;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.Assumptions;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Real engines, real file operations on them, and a window on an engine's {@code metrics()} calls. */
final class EngineSupport {
    /** Bound on any single wait: a future that takes longer is treated as hung. */
    static final long WAIT_SECONDS = 60;

    private EngineSupport() {
    }

    /** Builds the engine on {@code backend}, or skips the test where that backend cannot run. */
    static FileEngine build(FileEngine.Builder builder, FileEngine.Backend backend) {
        try {
            return builder.backend(backend).build();
        } catch (UnsupportedOperationException e) {
            Assumptions.abort("backend " + backend + " cannot run here: " + e.getMessage());
            throw e;
        }
    }

    /** Waits at most {@link #WAIT_SECONDS}; a failure or a hang fails the test. */
    static <T> T await(CompletableFuture<T> future) {
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

    /**
     * On a fresh engine, one operation of each kind but cancel, and a failed open: 2 opens (1 failed), 1 write of
     * 10,000 bytes, 1 force, 1 read of 4,096 bytes, 1 stat, 1 close, 1 path operation (a delete).
     */
    static void oneOfEach(FileEngine engine, Path dir) throws Exception {
        Path path = dir.resolve(engine.name() + ".bin");
        try (AsyncFile file = await(engine.open(path, CREATE_NEW, READ, WRITE))) {
            assertEquals(10_000, await(file.writeFully(ByteBuffer.allocateDirect(10_000), 0)));
            await(file.force(true));
            assertEquals(4096, await(file.readFully(ByteBuffer.allocateDirect(4096), 100)));
            assertEquals(10_000L, await(file.size()));
        }
        assertEquals(10_000L, Files.size(path));
        ExecutionException missing = assertThrows(ExecutionException.class,
                () -> engine.open(dir.resolve("missing"), READ).get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(NoSuchFileException.class, missing.getCause());
        await(engine.delete(path));
        assertEquals(false, Files.exists(path));
    }

    /**
     * Waits until every operation {@code engine} has counted as started has also been counted as ended, and returns
     * that snapshot. The engine counts some outcomes (opens and path operations, through a stage on the backend's
     * future) just after the caller's future completes, so a snapshot taken at once may still show one under way.
     */
    static EngineMetrics settled(FileEngine engine) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            EngineMetrics metrics = engine.metrics();
            boolean idle = true;
            for (EngineMetrics.OperationMetrics operation : metrics.operations().values()) {
                idle &= operation.underWay() == 0;
            }
            if (idle) {
                return metrics;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("operations still under way after " + WAIT_SECONDS + " s: " + metrics);
            }
            Thread.sleep(1);
        }
    }

    /** Writes {@code bytes} bytes at {@code position} of {@code file}: one write operation. */
    static void write(AsyncFile file, int bytes, long position) {
        assertEquals(bytes, await(file.writeFully(ByteBuffer.allocateDirect(bytes), position)));
    }

    /**
     * The same engine, seen through a proxy that counts calls of {@link FileEngine#metrics()} and keeps the last
     * snapshot returned. Every call goes to the real engine; nothing is changed on the way.
     */
    static final class Observed implements InvocationHandler {
        private final FileEngine engine;
        private final AtomicInteger metricsCalls = new AtomicInteger();
        private volatile EngineMetrics last;
        final FileEngine proxy;

        Observed(FileEngine engine) {
            this.engine = engine;
            this.proxy = (FileEngine) Proxy.newProxyInstance(FileEngine.class.getClassLoader(),
                    new Class<?>[] {FileEngine.class}, this);
        }

        int metricsCalls() {
            return metricsCalls.get();
        }

        EngineMetrics last() {
            return last;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            Object result;
            try {
                result = method.invoke(engine, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (method.getName().equals("metrics") && method.getParameterCount() == 0) {
                last = (EngineMetrics) result;
                metricsCalls.incrementAndGet();
            }
            return result;
        }
    }
}
