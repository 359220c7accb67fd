package io.ringfile.internal.text;

import io.ringfile.AsyncFile;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * A subscriber that writes the buffers it receives to a file, one after the other from a start position, with
 * backpressure: it requests {@value #WINDOW} buffers at first and one more each time a write has completed, so it
 * never holds more than {@value #WINDOW} buffers.
 *
 * <p>{@link #result()} completes with the number of bytes written once the publisher has completed and every write
 * has finished; it fails with the publisher's error (after the write in flight has finished; buffers still queued
 * are dropped), or with a write's error (the subscription is then cancelled). Cancelling the result cancels the
 * subscription. Each buffer's remaining bytes are written; the subscriber takes ownership of the buffers it
 * receives. The file is neither forced nor closed: it belongs to the caller. One subscription per subscriber: a
 * second {@code onSubscribe} is cancelled (Reactive Streams rule 2.5).
 */
public final class FileSubscriber implements Flow.Subscriber<ByteBuffer> {
    /** Buffers requested ahead of the write in progress. */
    static final int WINDOW = 2;

    private final AsyncFile file;
    private final long start;
    private final CompletableFuture<Long> result = new CompletableFuture<>();
    // guarded by this
    private Flow.Subscription subscription;
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private boolean writing;
    private boolean upstreamDone;
    private Throwable upstreamError;
    private boolean finished;
    // touched only by the write loop, which runs one at a time (hand-over through the lock)
    private long written;

    private FileSubscriber(AsyncFile file, long start) {
        this.file = file;
        this.start = start;
    }

    /**
     * A subscriber writing to {@code file} from {@code position} on.
     *
     * @throws IllegalArgumentException if {@code position} is negative
     */
    public static FileSubscriber writingTo(AsyncFile file, long position) {
        Objects.requireNonNull(file, "file");
        if (position < 0) {
            throw new IllegalArgumentException("negative position: " + position);
        }
        return new FileSubscriber(file, position);
    }

    /** The total number of bytes written, once the publisher has completed and the last write has finished. */
    public CompletableFuture<Long> result() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        Objects.requireNonNull(s, "subscription");
        boolean accept;
        synchronized (this) {
            accept = subscription == null && !finished;
            if (accept) {
                subscription = s;
            }
        }
        if (!accept) {
            s.cancel();
            return;
        }
        result.whenComplete((v, e) -> {
            if (result.isCancelled()) {
                synchronized (this) {
                    finished = true;
                    queue.clear();
                }
                s.cancel();
            }
        });
        s.request(WINDOW);
    }

    @Override
    public void onNext(ByteBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        boolean overflow = false;
        synchronized (this) {
            if (finished || upstreamDone) {
                return;
            }
            if (queue.size() >= WINDOW) {
                overflow = true;
            } else {
                queue.add(buffer);
                if (writing) {
                    return;
                }
                writing = true;
            }
        }
        if (overflow) {
            failAndCancel(new IllegalStateException("more buffers than requested (Reactive Streams rule 1.1)"));
            return;
        }
        writeLoop();
    }

    @Override
    public void onError(Throwable error) {
        Objects.requireNonNull(error, "error");
        synchronized (this) {
            if (finished || upstreamDone) {
                return;
            }
            upstreamDone = true;
            upstreamError = error;
            queue.clear();
            if (writing) {
                return; // the write loop finishes when the write in flight has
            }
        }
        finish();
    }

    @Override
    public void onComplete() {
        synchronized (this) {
            if (finished || upstreamDone) {
                return;
            }
            upstreamDone = true;
            if (writing) {
                return;
            }
        }
        finish();
    }

    private void writeLoop() {
        while (true) {
            ByteBuffer next;
            synchronized (this) {
                next = finished ? null : queue.poll();
                if (next == null) {
                    writing = false;
                    if (!upstreamDone || finished) {
                        return;
                    }
                }
            }
            if (next == null) {
                finish();
                return;
            }
            if (!next.hasRemaining()) {
                requestOne();
                continue;
            }
            CompletableFuture<Integer> write = Failures.guard(() -> file.writeFully(next, start + written));
            if (!write.isDone()) {
                write.whenComplete((n, e) -> {
                    if (afterWrite(n, e)) {
                        writeLoop();
                    }
                });
                return;
            }
            Integer n = null;
            Throwable error = null;
            try {
                n = write.join();
            } catch (Throwable e) {
                error = e;
            }
            if (!afterWrite(n, error)) {
                return;
            }
        }
    }

    private boolean afterWrite(Integer n, Throwable error) {
        if (error != null) {
            failAndCancel(Failures.unwrap(error));
            return false;
        }
        written += n;
        requestOne();
        return true;
    }

    private void requestOne() {
        Flow.Subscription s;
        synchronized (this) {
            if (finished || upstreamDone) {
                return;
            }
            s = subscription;
        }
        s.request(1);
    }

    private void failAndCancel(Throwable error) {
        Flow.Subscription s;
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
            writing = false;
            queue.clear();
            s = subscription;
        }
        s.cancel();
        result.completeExceptionally(error);
    }

    private void finish() {
        Throwable error;
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
            error = upstreamError;
        }
        if (error != null) {
            result.completeExceptionally(error);
        } else {
            result.complete(written);
        }
    }

    @Override
    public String toString() {
        return "FileSubscriber[" + file.path() + " from " + start + "]";
    }
}
