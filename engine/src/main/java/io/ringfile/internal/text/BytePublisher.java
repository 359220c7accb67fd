package io.ringfile.internal.text;

import io.ringfile.AsyncFile;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * The bytes of an open file from a position to its end, as a cold publisher of chunks: one read per item requested,
 * none ahead of demand. The file stays open: it belongs to the caller. A subscription to a file that is already
 * closed fails at once, without demand: {@code onSubscribe}, then {@code onError} with
 * {@link ClosedChannelException} (Reactive Streams rules 1.4 and 1.9: a publisher that cannot serve says so).
 */
final class BytePublisher implements Flow.Publisher<ByteBuffer> {
    private final AsyncFile file;
    private final long position;
    private final int chunkSize;

    BytePublisher(AsyncFile file, long position, int chunkSize) {
        this.file = file;
        this.position = position;
        this.chunkSize = chunkSize;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        new ChunkSubscription(subscriber).begin();
    }

    private final class ChunkSubscription extends PullSubscription<ByteBuffer> {
        // touched by the drain loop and by the load's completion, which never overlap
        private long next = position;
        private ByteBuffer chunk;
        private boolean atEnd;

        ChunkSubscription(Flow.Subscriber<? super ByteBuffer> subscriber) {
            super(subscriber);
        }

        void begin() {
            start();
            if (!file.isOpen()) { // no read could ever succeed: fail now rather than on the first request
                fail(new ClosedChannelException());
            }
        }

        @Override
        boolean ready() {
            return true;
        }

        @Override
        Object poll() {
            if (chunk != null) {
                ByteBuffer item = chunk;
                chunk = null;
                return item;
            }
            return atEnd ? END : NEED;
        }

        @Override
        Object peekEnd() {
            return chunk == null && atEnd ? END : null;
        }

        @Override
        CompletableFuture<?> load() {
            ByteBuffer dst = ByteBuffer.allocate(chunkSize);
            return file.readFully(dst, next).thenAccept(n -> {
                if (n <= 0) {
                    atEnd = true;
                    return;
                }
                next += n;
                if (n < chunkSize) { // readFully stops short only at end of file
                    atEnd = true;
                }
                chunk = dst.flip();
            });
        }

        @Override
        CompletableFuture<?> release() {
            return CompletableFuture.completedFuture(null);
        }
    }
}
