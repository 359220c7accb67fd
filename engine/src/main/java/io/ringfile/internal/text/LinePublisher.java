package io.ringfile.internal.text;

import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * The lines of a file as a cold publisher: each subscription opens the file, reads it chunk by chunk as demand
 * requires, and closes it at the end, on error or on cancel, before signalling onComplete or onError.
 */
final class LinePublisher implements Flow.Publisher<String> {
    private final FileEngine engine;
    private final Path path;
    private final Charset charset;
    private final int chunkSize;

    LinePublisher(FileEngine engine, Path path, Charset charset, int chunkSize) {
        this.engine = engine;
        this.path = path;
        this.charset = charset;
        this.chunkSize = chunkSize;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super String> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        new LineSubscription(subscriber).begin();
    }

    private final class LineSubscription extends PullSubscription<String> {
        private volatile TextSource source;
        // guarded by this: the file as soon as it is open, and whether it must be closed at once
        private AsyncFile file;
        private boolean releasing;

        LineSubscription(Flow.Subscriber<? super String> subscriber) {
            super(subscriber);
        }

        void begin() {
            start();
            if (isCancelled()) {
                return;
            }
            Failures.guard(() -> engine.open(path, StandardOpenOption.READ)).whenComplete((opened, e) -> {
                if (e != null) {
                    fail(e);
                    return;
                }
                boolean closeNow;
                synchronized (this) {
                    closeNow = releasing;
                    if (!closeNow) {
                        file = opened;
                    }
                }
                if (closeNow) {
                    opened.closeAsync();
                } else {
                    source = new TextSource(opened, 0, charset, chunkSize);
                }
                drain();
            });
        }

        @Override
        boolean ready() {
            return source != null;
        }

        @Override
        Object poll() {
            Object answer = source.pollLine();
            if (answer == TextSource.NEED_INPUT) {
                return NEED;
            }
            if (answer == TextSource.END) {
                return END;
            }
            if (answer == TextSource.FAILED) {
                return new Failed(source.failure());
            }
            return answer;
        }

        @Override
        Object peekEnd() {
            Object answer = source.peekEnd();
            if (answer == TextSource.END) {
                return END;
            }
            return answer == TextSource.FAILED ? new Failed(source.failure()) : null;
        }

        @Override
        CompletableFuture<?> load() {
            return source.fill();
        }

        @Override
        CompletableFuture<?> release() {
            AsyncFile open;
            synchronized (this) {
                releasing = true;
                open = file;
            }
            if (open == null) {
                return CompletableFuture.completedFuture(null);
            }
            // The outcome of closing a file that was only read does not change what the subscriber saw.
            return Failures.guard(open::closeAsync).handle((v, e) -> null);
        }
    }
}
