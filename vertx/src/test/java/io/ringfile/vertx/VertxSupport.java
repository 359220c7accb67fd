package io.ringfile.vertx;

import io.ringfile.FileEngine;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Assumptions;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** Vert.x instances on a chosen transport, and waiting for Vert.x futures in tests. */
final class VertxSupport {
    private VertxSupport() {
    }

    /** Vert.x's transports the tests run on. */
    enum VertxTransport {
        IO_URING, NIO;

        Vertx start() {
            VertxOptions options = new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(4);
            if (this == IO_URING) {
                Assumptions.assumeTrue(ioUringAvailable(), VertxSupport::ioUringUnavailable);
                return Vertx.builder().with(options).withTransport(Transport.IO_URING).build();
            }
            return Vertx.builder().with(options).withTransport(Transport.NIO).build();
        }
    }

    /** Vert.x's io_uring transport where it runs, else NIO. */
    static VertxTransport vertxTransportHere() {
        return ioUringAvailable() ? VertxTransport.IO_URING : VertxTransport.NIO;
    }

    /** An engine for {@code vertx} on {@code backend}; skips where io_uring is required but cannot run. */
    static FileEngine engine(Vertx vertx, FileEngine.Backend backend) {
        if (backend == FileEngine.Backend.IO_URING) {
            Assumptions.assumeTrue(ioUringAvailable(), VertxSupport::ioUringUnavailable);
        }
        return RingfileFileSystem.engineBuilder(vertx).backend(backend).build();
    }

    /** Whether Vert.x's io_uring transport (Netty's, which the engine uses too) can run here. */
    static boolean ioUringAvailable() {
        return Transport.IO_URING != null && Transport.IO_URING.available();
    }

    static String ioUringUnavailable() {
        return Transport.IO_URING == null ? "Netty's io_uring classes are not on the class path"
                : "io_uring cannot run here: " + Transport.IO_URING.unavailabilityCause();
    }

    static <T> T await(Future<T> future) {
        return await(future.toCompletionStage().toCompletableFuture());
    }

    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (TimeoutException e) {
            throw new AssertionError("no outcome within 120 s", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new AssertionError(cause);
        }
    }

    static Throwable failure(Future<?> future) {
        try {
            Object value = await(future);
            throw new AssertionError("expected a failure, got " + value);
        } catch (RuntimeException | Error e) {
            if (e instanceof AssertionError && e.getMessage() != null && e.getMessage().startsWith("expected a failure")) {
                throw e;
            }
            return e;
        }
    }

    /**
     * Records, for each handler that runs, whether it ran on the expected context and thread: the context rules
     * every test checks.
     */
    static final class ContextCheck {
        private final List<String> violations = new CopyOnWriteArrayList<>();
        private volatile int checked;

        /** Call in a handler: it must run on {@code expected}, on {@code thread} when not null. */
        void check(String what, Context expected, Thread thread) {
            checked++;
            Context current = Vertx.currentContext();
            if (current != expected) {
                violations.add(what + ": ran on context " + current + ", not " + expected + " (thread "
                        + Thread.currentThread().getName() + ")");
            } else if (thread != null && Thread.currentThread() != thread) {
                violations.add(what + ": ran on thread " + Thread.currentThread().getName() + ", not "
                        + thread.getName());
            }
        }

        int checked() {
            return checked;
        }

        List<String> violations() {
            return violations;
        }
    }

    /**
     * Runs {@code operation} on {@code context} and returns its outcome; its handler is checked to run on that
     * context and, for an event-loop context, on the loop's thread. An exception the call throws at once fails the
     * outcome with a {@code CompletionException} around it; a failed future fails it with the future's cause.
     */
    static <T> CompletableFuture<T> onContext(Context context, ContextCheck check, String what,
                                              Supplier<Future<T>> operation) {
        CompletableFuture<T> outcome = new CompletableFuture<>();
        context.runOnContext(v -> {
            Thread thread = context.isEventLoopContext() ? Thread.currentThread() : null;
            Future<T> future;
            try {
                future = operation.get();
            } catch (Throwable e) {
                outcome.completeExceptionally(new java.util.concurrent.CompletionException("thrown at once", e));
                return;
            }
            future.onComplete(ar -> {
                check.check(what, context, thread);
                if (ar.succeeded()) {
                    outcome.complete(ar.result());
                } else {
                    outcome.completeExceptionally(ar.cause());
                }
            });
        });
        return outcome;
    }

    static void close(Vertx vertx) {
        if (vertx != null) {
            await(vertx.close());
        }
    }
}
